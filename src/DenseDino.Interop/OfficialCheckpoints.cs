using DenseDino.Nn;
using DenseDino.Numerics;

namespace DenseDino.Interop;

/// <summary>
/// Loads official DINO / DenseDINO checkpoints (.pth or safetensors) into this engine's modules,
/// inferring the architecture from the tensors unless given, and exports ours under the official names.
/// </summary>
public static class OfficialCheckpoints
{
    /// <summary>A ViT backbone from any checkpoint that holds one (bare, MultiCropWrapper, DDP, teacher/student dict).</summary>
    public static VisionTransformer LoadBackbone(IBackend backend, string path, string? section = null, VitConfig? config = null, int? heads = null)
    {
        var parts = OfficialStateDict.Split(CheckpointFile.ReadStateDict(path, section), path);
        var vit = new VisionTransformer(backend, config ?? ArchitectureInference.Vit(parts.Backbone, path, heads ?? CheckpointFile.StoredHeads(path)), 0);
        try { StateLoader.Load(vit, parts.Backbone, path); }
        catch { vit.Dispose(); throw; }
        return vit;
    }

    /// <summary>
    /// A DINOHead from a checkpoint: <paramref name="part"/> "head" or "ref_head" of a
    /// MultiCropWrapper / DINO checkpoint, or a bare head file (mlp.*, last_layer.*).
    /// </summary>
    public static DinoHead LoadHead(IBackend backend, string path, string part = "head", string? section = null, bool normLastLayer = true)
    {
        var parts = OfficialStateDict.Split(CheckpointFile.ReadStateDict(path, section), path);
        var state = (part switch
        {
            "head" => parts.Head,
            "ref_head" => parts.RefHead,
            _ => throw new ArgumentException($"LoadHead: part must be 'head' or 'ref_head', got '{part}'"),
        }) ?? throw new CheckpointMismatchException($"checkpoint '{path}': no '{part}' tensors");
        var cfg = ArchitectureInference.Head(state, path, normLastLayer);
        int inDim = state[cfg.Layers == 1 ? "mlp.weight" : "mlp.0.weight"].Shape[1];
        var head = new DinoHead(backend, inDim, cfg.OutDim, new Random(0), cfg.HiddenDim, cfg.BottleneckDim, cfg.Layers, cfg.NormLastLayer);
        try { StateLoader.Load(head, state, path, part + "."); }
        catch { head.Dispose(); throw; }
        return head;
    }

    /// <summary>
    /// Backbone + head + ref_head. A DINO checkpoint has no ref_head: it starts as a copy of the
    /// head. Without any head the head config must be given (the heads keep their random init).
    /// </summary>
    public static DenseDinoModel LoadModel(IBackend backend, string path, string? section = null, VitConfig? config = null,
        HeadConfig? head = null, int? heads = null, int seed = 0)
    {
        var parts = OfficialStateDict.Split(CheckpointFile.ReadStateDict(path, section), path);
        var vit = config ?? ArchitectureInference.Vit(parts.Backbone, path, heads);
        var headConfig = head ?? (parts.Head is { } h ? ArchitectureInference.Head(h, path)
            : throw new CheckpointMismatchException($"checkpoint '{path}': no head tensors; pass a HeadConfig"));
        if (headConfig.SharedHead && parts.RefHead is not null)
            throw new CheckpointMismatchException($"checkpoint '{path}': unexpected 'ref_head.*' tensors for a shared head");
        var model = new DenseDinoModel(backend, vit, headConfig, seed);
        try
        {
            StateLoader.Load(model.Backbone, parts.Backbone, path, "backbone.");
            if (parts.Head is not null) StateLoader.Load(model.Head, parts.Head, path, "head.");
            if (!ReferenceEquals(model.RefHead, model.Head) && (parts.RefHead ?? parts.Head) is { } r)
                StateLoader.Load(model.RefHead, r, path, parts.RefHead is null ? "head." : "ref_head.");
        }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>The model under the official DenseDINO names (MultiCropWrapper state_dict), as safetensors.</summary>
    public static void SaveSafeTensors(DenseDinoModel model, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsWriter.Write(path, StateLoader.Save(model), WithFormat(metadata, "densedino"));

    /// <summary>The model under the official DenseDINO names as a torch.save file (torch.load gives an OrderedDict state_dict).</summary>
    public static void SavePth(DenseDinoModel model, string path) => TorchCheckpointWriter.Write(path, StateLoader.Save(model));

    /// <summary>The backbone under DINO's ViT names (single pos_embed), as safetensors.</summary>
    public static void SaveDinoBackbone(VisionTransformer vit, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var dino = OfficialStateDict.ToDinoBackbone(StateLoader.Save(vit).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        if (dino.ContainsKey("ref_learn_token")) throw new NotSupportedException("SaveDinoBackbone: DINO's ViT has no ref_learn_token");
        SafeTensorsWriter.Write(path, dino, WithFormat(metadata, "dino"));
    }

    private static Dictionary<string, string> WithFormat(IReadOnlyDictionary<string, string>? metadata, string names)
    {
        var m = metadata?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>();
        m.TryAdd("format", "pt");
        m.TryAdd("names", names);
        return m;
    }
}
