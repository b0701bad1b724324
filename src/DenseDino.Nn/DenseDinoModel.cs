using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>Head sizes (official DINOHead defaults: hidden 2048, bottleneck 256, 3 layers, K 65536).</summary>
public sealed record HeadConfig(int OutDim = 65536, int HiddenDim = 2048, int BottleneckDim = 256, int Layers = 3,
    bool NormLastLayer = true, bool SharedHead = false);

/// <summary>Logits of one pass: CLS [B, K], REF [B, R, K] (null without points; or as the caller arranged them), and the backbone outputs.</summary>
public sealed record DenseDinoOutput(Tensor Cls, Tensor? Refs, VitOutput Backbone);

/// <summary>
/// Backbone + CLS head + REF head (official MultiCropWrapper; parameter names backbone.*, head.*,
/// ref_head.*). With SharedHead the REF tokens go through `head` and there is no ref_head.
/// </summary>
public sealed class DenseDinoModel : Module
{
    public DenseDinoModel(IBackend backend, VitConfig vit, HeadConfig head, int seed) : base(backend)
    {
        var rng = new Random(seed);
        Backbone = AddModule("backbone", new VisionTransformer(backend, vit, rng.Next()));
        Head = AddModule("head", NewHead(backend, vit, head, rng));
        RefHead = head.SharedHead ? Head : AddModule("ref_head", NewHead(backend, vit, head, rng));
    }

    public VisionTransformer Backbone { get; }
    public DinoHead Head { get; }
    public DinoHead RefHead { get; }

    /// <summary>
    /// images [B, C, H, W] (all views of one size stacked view-major), points [B, Ho, Wo, 2] or null.
    /// arrangeRefs, when given, reorders the REF token features [B, R, D] before the REF head (the head
    /// works row by row, so its logits come out in that order: training groups them by loss pair there,
    /// where a row is D wide rather than K).
    /// </summary>
    public DenseDinoOutput Forward(Tensor images, Tensor? points, MaskMode mode = MaskMode.All2PosPos2ClsEye, ulong? dropPathSeed = null,
        Func<Tensor, Tensor>? arrangeRefs = null)
    {
        var features = Backbone.Forward(images, points, mode, dropPathSeed);
        var cls = Head.Forward(features.Cls);                                     // [B, K]
        var refs = features.Refs is null ? null                                   // [B, R, K], or as arranged
            : RefHead.Forward(arrangeRefs is null ? features.Refs : arrangeRefs(features.Refs));
        return new DenseDinoOutput(cls, refs, features);
    }

    private static DinoHead NewHead(IBackend backend, VitConfig vit, HeadConfig h, Random rng) =>
        new(backend, vit.Dim, h.OutDim, rng, h.HiddenDim, h.BottleneckDim, h.Layers, h.NormLastLayer);
}
