using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>Head sizes (official DINOHead defaults: hidden 2048, bottleneck 256, 3 layers, K 65536).</summary>
public sealed record HeadConfig(int OutDim = 65536, int HiddenDim = 2048, int BottleneckDim = 256, int Layers = 3,
    bool NormLastLayer = true, bool SharedHead = false);

/// <summary>Logits of one pass: CLS [B, K], REF [B, R, K] (null without points), and the backbone outputs.</summary>
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

    /// <summary>images [B, C, H, W] (all views of one size stacked view-major), points [B, Ho, Wo, 2] or null.</summary>
    public DenseDinoOutput Forward(Tensor images, Tensor? points, MaskMode mode = MaskMode.All2PosPos2ClsEye, ulong? dropPathSeed = null)
    {
        var features = Backbone.Forward(images, points, mode, dropPathSeed);
        var cls = Head.Forward(features.Cls);                                     // [B, K]
        var refs = features.Refs is null ? null : RefHead.Forward(features.Refs); // [B, R, K]
        return new DenseDinoOutput(cls, refs, features);
    }

    private static DinoHead NewHead(IBackend backend, VitConfig vit, HeadConfig h, Random rng) =>
        new(backend, vit.Dim, h.OutDim, rng, h.HiddenDim, h.BottleneckDim, h.Layers, h.NormLastLayer);
}
