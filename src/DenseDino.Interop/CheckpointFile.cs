namespace DenseDino.Interop;

/// <summary>
/// Opens a checkpoint of either format (.pth zip or safetensors, told apart by content) and
/// returns one flat state dict: name → float32 tensor.
/// </summary>
public static class CheckpointFile
{
    /// <summary>Sections tried, in order, when a checkpoint wraps its state dicts (DINO evaluates the teacher).</summary>
    public static readonly string[] DefaultSections = ["teacher", "state_dict", "model", "student"];

    /// <summary>
    /// The state dict in <paramref name="path"/>. For a wrapped checkpoint ({"teacher": {...},
    /// "student": {...}, "epoch": …}) <paramref name="section"/> picks the entry (default: the
    /// first of <see cref="DefaultSections"/> present). Non-tensor values are skipped.
    /// </summary>
    public static Dictionary<string, HostTensor> ReadStateDict(string path, string? section = null)
    {
        if (!IsZip(path))
        {
            if (section is not null) throw new ArgumentException($"checkpoint '{path}': safetensors files have no section '{section}'");
            return SafeTensorsReader.Read(path);
        }
        var dict = (PickleDict)TorchCheckpointReader.Read(path, root => Select(root, section, path))!;
        var result = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in dict.Items)
        {
            if (v is not HostTensor t) continue;
            if (k is not string name) throw new InvalidDataException($"torch checkpoint '{path}': a tensor has a non-string key");
            result[name] = t;
        }
        return result;
    }

    /// <summary>The head count a safetensors file records in its metadata ("num_heads", as `densedino export` writes), else null.</summary>
    public static int? StoredHeads(string path)
    {
        if (IsZip(path)) return null;
        return SafeTensorsReader.ReadMetadata(path).TryGetValue("num_heads", out var text)
            && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int heads) && heads > 0 ? heads : null;
    }

    /// <summary>The state dict inside the raw (unmaterialised) pickle tree.</summary>
    private static PickleDict Select(object? raw, string? section, string path)
    {
        var root = raw as PickleDict ?? throw new InvalidDataException($"torch checkpoint '{path}': top-level object is not a dict");
        bool flat = root.Items.Any(kv => kv.Value is TorchTensorRef);
        if (section is not null || !flat)
        {
            string key = section ?? DefaultSections.FirstOrDefault(root.ContainsKey)
                ?? throw new InvalidDataException($"torch checkpoint '{path}': no tensors at the top level and none of the sections {string.Join(", ", DefaultSections)}");
            root = root[key] as PickleDict
                ?? throw new InvalidDataException($"torch checkpoint '{path}': section '{key}' is missing or not a dict");
        }
        return root;
    }

    private static bool IsZip(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return f.Read(magic) == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
    }
}
