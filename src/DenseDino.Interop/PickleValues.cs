namespace DenseDino.Interop;

/// <summary>A module-level name a pickle refers to (only whitelisted ones get this far).</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>An instance of a whitelisted plain class (argparse.Namespace): its type and BUILD state; never executed.</summary>
public sealed class PickleObject(string typeName)
{
    public string TypeName { get; } = typeName;
    public object? State { get; set; }
}

/// <summary>A pickled dict or OrderedDict: pairs in insertion order (keys may be any pickled value).</summary>
public sealed class PickleDict
{
    private readonly Dictionary<object, int> index = new();

    public List<KeyValuePair<object?, object?>> Items { get; } = new();
    public object? State { get; set; }

    /// <summary>Sets key (scalar keys replace, as in Python; other keys are compared by reference).</summary>
    public void Set(object? key, object? value)
    {
        if (key is not null && index.TryGetValue(key, out int i)) { Items[i] = new(key, value); return; }
        if (key is not null) index[key] = Items.Count;
        Items.Add(new(key, value));
    }

    public object? this[string key] => index.TryGetValue(key, out int i) ? Items[i].Value : null;
    public bool ContainsKey(string key) => index.ContainsKey(key);
}

/// <summary>A torch storage named by a persistent id: ('storage', type, key, location, numel).</summary>
public sealed record TorchStorageRef(string Key, DType Type, long Numel, string Location);

/// <summary>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …): a strided view, data still in the archive.</summary>
public sealed record TorchTensorRef(TorchStorageRef Storage, long Offset, long[] Size, long[] Stride);
