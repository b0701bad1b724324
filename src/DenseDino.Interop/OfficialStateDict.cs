namespace DenseDino.Interop;

/// <summary>One checkpoint split into its parts, each keyed without its prefix (backbone in DenseDINO names).</summary>
public sealed record CheckpointParts(
    Dictionary<string, HostTensor> Backbone,
    Dictionary<string, HostTensor>? Head,
    Dictionary<string, HostTensor>? RefHead);

/// <summary>
/// Maps official DINO / DenseDINO state dicts onto this engine's names: strips DDP's "module."
/// and the MultiCropWrapper prefixes, and splits DINO's pos_embed [1, 1+N, D] (CLS position
/// first) into cls_pos_embed [1, 1, D] and patch_pos_embed [1, N, D].
/// </summary>
public static class OfficialStateDict
{
    public static CheckpointParts Split(IReadOnlyDictionary<string, HostTensor> state, string source)
    {
        var flat = state.ToDictionary(kv => Strip(kv.Key, "module."), kv => kv.Value, StringComparer.Ordinal);
        if (flat.Count != state.Count) throw new CheckpointMismatchException($"checkpoint '{source}': keys collide after removing 'module.'");
        var backbone = Group(flat, "backbone.");
        var head = Group(flat, "head.");
        var refHead = Group(flat, "ref_head.");
        if (backbone.Count == 0 && head.Count == 0 && refHead.Count == 0)
        {
            // A bare ViT (blocks.*) or a bare DINOHead (mlp.*, last_layer.*).
            bool isHead = flat.Keys.All(k => k.StartsWith("mlp", StringComparison.Ordinal) || k.StartsWith("last_layer.", StringComparison.Ordinal));
            return isHead && flat.Count > 0 ? new([], flat, null) : new(ToDenseDinoBackbone(flat, source), null, null);
        }
        var others = flat.Keys.Where(k => !k.StartsWith("backbone.", StringComparison.Ordinal) && !k.StartsWith("head.", StringComparison.Ordinal)
                                          && !k.StartsWith("ref_head.", StringComparison.Ordinal)).ToList();
        if (others.Count > 0) throw new CheckpointMismatchException($"checkpoint '{source}': unexpected tensors {string.Join(", ", others.Take(5))}");
        return new(ToDenseDinoBackbone(backbone, source), head.Count > 0 ? head : null, refHead.Count > 0 ? refHead : null);
    }

    /// <summary>DINO's single pos_embed → cls_pos_embed + patch_pos_embed; DenseDINO names pass through.</summary>
    public static Dictionary<string, HostTensor> ToDenseDinoBackbone(Dictionary<string, HostTensor> backbone, string source)
    {
        if (!backbone.TryGetValue("pos_embed", out var pos)) return backbone;
        if (pos.Rank != 3 || pos.Shape[0] != 1 || pos.Shape[1] < 2)
            throw new CheckpointMismatchException($"checkpoint '{source}': tensor 'pos_embed' has shape {pos}, expected [1, 1+N, D]");
        if (backbone.ContainsKey("cls_pos_embed") || backbone.ContainsKey("patch_pos_embed"))
            throw new CheckpointMismatchException($"checkpoint '{source}': both 'pos_embed' and 'cls_pos_embed'/'patch_pos_embed'");
        int n = pos.Shape[1] - 1, d = pos.Shape[2];
        var result = new Dictionary<string, HostTensor>(backbone, StringComparer.Ordinal);
        result.Remove("pos_embed");
        result["cls_pos_embed"] = new HostTensor([1, 1, d], pos.Data[..d]);
        result["patch_pos_embed"] = new HostTensor([1, n, d], pos.Data[d..]);
        return result;
    }

    /// <summary>Our backbone names → DINO's (pos_embed = [cls_pos_embed ; patch_pos_embed]), for exporting to the DINO ViT.</summary>
    public static Dictionary<string, HostTensor> ToDinoBackbone(IReadOnlyDictionary<string, HostTensor> backbone)
    {
        var cls = backbone["cls_pos_embed"];
        var patch = backbone["patch_pos_embed"];
        var result = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in backbone)
        {
            if (k == "cls_pos_embed") result["pos_embed"] = new HostTensor([1, 1 + patch.Shape[1], patch.Shape[2]], [.. cls.Data, .. patch.Data]);
            else if (k != "patch_pos_embed") result[k] = v;
        }
        return result;
    }

    private static Dictionary<string, HostTensor> Group(Dictionary<string, HostTensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
             .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    private static string Strip(string key, string prefix) => key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
}
