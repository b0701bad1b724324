using DenseDino.Nn;

namespace DenseDino.Interop;

/// <summary>
/// Reads a model's sizes off its tensors. Heads cannot be read from shapes (qkv is [3D, D] for
/// any head count), so they default to D/64 as DINO's presets (tiny 192→3, small 384→6, base 768→12).
/// </summary>
public static class ArchitectureInference
{
    /// <summary>backbone in DenseDINO names (see <see cref="OfficialStateDict.ToDenseDinoBackbone"/>).</summary>
    public static VitConfig Vit(IReadOnlyDictionary<string, HostTensor> backbone, string source, int? heads = null)
    {
        var proj = Need(backbone, "patch_embed.proj.weight", source, 4);        // [D, C, P, P]
        int dim = proj.Shape[0], channels = proj.Shape[1], patch = proj.Shape[2];
        if (proj.Shape[3] != patch) throw Mismatch(source, $"tensor 'patch_embed.proj.weight' has non-square patches {proj}");
        var pos = Need(backbone, "patch_pos_embed", source, 3);                 // [1, N, D]
        int n = pos.Shape[1], grid = (int)Math.Round(Math.Sqrt(n));
        if (grid * grid != n) throw Mismatch(source, $"tensor 'patch_pos_embed' {pos}: N = {n} is not a square grid");
        int depth = 0;
        while (backbone.ContainsKey($"blocks.{depth}.norm1.weight")) depth++;
        if (depth == 0) throw Mismatch(source, "no tensor 'blocks.0.norm1.weight': not a ViT backbone");
        var fc1 = Need(backbone, "blocks.0.mlp.fc1.weight", source, 2);          // [hidden, D]
        int h = heads ?? Math.Max(1, dim / 64);
        if (dim % h != 0)
            throw Mismatch(source, $"dim {dim} is not a multiple of {h} heads{(heads is null ? " (D/64 default; pass heads)" : "")}");
        return new VitConfig(grid * patch, patch, dim, depth, h, (double)fc1.Shape[0] / dim,
            LearnableRefToken: backbone.ContainsKey("ref_learn_token"), InChannels: channels);
    }

    /// <summary>A DINOHead's sizes from mlp.* and last_layer.weight_v [K, bottleneck].</summary>
    public static HeadConfig Head(IReadOnlyDictionary<string, HostTensor> head, string source, bool normLastLayer = true)
    {
        var v = Need(head, "last_layer.weight_v", source, 2);
        if (head.ContainsKey("mlp.weight"))
            return new HeadConfig(v.Shape[0], Need(head, "mlp.weight", source, 2).Shape[0], v.Shape[1], 1, normLastLayer);
        int layers = 0;
        while (head.ContainsKey($"mlp.{2 * layers}.weight")) layers++;
        if (layers < 2) throw Mismatch(source, "head has no 'mlp.weight' nor 'mlp.0.weight' … 'mlp.2.weight'");
        int hidden = Need(head, "mlp.0.weight", source, 2).Shape[0];
        return new HeadConfig(v.Shape[0], hidden, v.Shape[1], layers, normLastLayer);
    }

    private static HostTensor Need(IReadOnlyDictionary<string, HostTensor> state, string name, string source, int rank)
    {
        if (!state.TryGetValue(name, out var t)) throw Mismatch(source, $"missing tensor '{name}'");
        if (t.Rank != rank || t.Shape.Any(d => d == 0)) throw Mismatch(source, $"tensor '{name}' has shape {t}, expected rank {rank}");
        return t;
    }

    private static CheckpointMismatchException Mismatch(string source, string message) => new($"checkpoint '{source}': {message}");
}
