using DenseDino.Nn;

namespace DenseDino.Interop;

/// <summary>Copies a state dict into a module strictly: every parameter present with its exact shape, nothing left over.</summary>
public static class StateLoader
{
    public static void Load(Module module, IReadOnlyDictionary<string, HostTensor> state, string source, string part = "")
    {
        // Check everything first so a bad checkpoint leaves the module untouched.
        var parameters = module.NamedParameters().ToList();
        foreach (var (name, p) in parameters)
        {
            if (!state.TryGetValue(name, out var t))
                throw new CheckpointMismatchException($"checkpoint '{source}': missing tensor '{part}{name}' (model shape {p.Shape})");
            if (!p.Shape.Dims.SequenceEqual(t.Shape))
                throw new CheckpointMismatchException($"checkpoint '{source}': tensor '{part}{name}' has shape {t} in the checkpoint, {p.Shape} in the model");
        }
        var known = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var extra = state.Keys.Where(k => !known.Contains(k)).ToList();
        if (extra.Count > 0)
            throw new CheckpointMismatchException($"checkpoint '{source}': unexpected tensors {string.Join(", ", extra.Take(5).Select(k => $"'{part}{k}'"))}" +
                                                  (extra.Count > 5 ? $" and {extra.Count - 5} more" : ""));
        foreach (var (name, p) in parameters) p.CopyFrom(state[name].Data);
    }

    /// <summary>A module's parameters as host tensors (shapes included), in registration (= official) order.</summary>
    public static List<KeyValuePair<string, HostTensor>> Save(Module module, string prefix = "") =>
        module.NamedParameters(prefix).Select(p => new KeyValuePair<string, HostTensor>(p.Name, new HostTensor(p.Value.Shape.ToArray(), p.Value.ToArray()))).ToList();
}
