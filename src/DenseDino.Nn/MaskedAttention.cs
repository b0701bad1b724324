using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// Multi-head self-attention with a qkv Linear (bias on) and an output projection, as the
/// official Attention. Two paths: <see cref="Forward"/> over a full sequence with an optional
/// additive mask (any mode), and <see cref="ForwardSplit"/> for the default mode
/// (all2pos_pos2cls_eye), which never builds the (1+M+N)² mask.
/// </summary>
public sealed class MaskedAttention : Module
{
    public MaskedAttention(IBackend backend, int dim, int heads, Random rng) : base(backend)
    {
        if (heads <= 0 || dim % heads != 0)
            throw new ArgumentException($"MaskedAttention: dim {dim} is not divisible by heads {heads}");
        Dim = dim;
        Heads = heads;
        HeadDim = dim / heads;
        Scale = (float)Math.Pow(HeadDim, -0.5);
        Qkv = AddModule("qkv", new Linear(backend, dim, 3 * dim, rng));
        Proj = AddModule("proj", new Linear(backend, dim, dim, rng));
    }

    public int Dim { get; }
    public int Heads { get; }
    public int HeadDim { get; }
    public float Scale { get; }
    public Linear Qkv { get; }
    public Linear Proj { get; }

    /// <summary>x [B, L, D], mask additive [L, L] or null → [B, L, D], plus residual [B, L, D] when given.</summary>
    public Tensor Forward(Tensor x, Tensor? mask, Tensor? residual = null)
    {
        Check(x, "x");
        var qkv = Qkv.Forward(x);                                    // [B, L, 3D] = [B, L, 3, H, Dh]
        return Proj.Forward(Ops.AttentionPacked(qkv, Heads, mask, Scale), residual);  // [B, L, D]
    }

    /// <summary>
    /// The default mode without its mask. main [B, 1+N, D] (CLS + patches) attends among itself
    /// only; refs [B, M, D] (or null) attend to the N patch keys plus their own key. Returns the
    /// two outputs, equal to the matching rows of the full masked attention, each plus its residual when given.
    /// </summary>
    public (Tensor Main, Tensor? Refs) ForwardSplit(Tensor main, Tensor? refs, Tensor? mainResidual = null, Tensor? refsResidual = null)
    {
        Check(main, "main");
        var qkv = Qkv.Forward(main);                                 // [B, 1+N, 3D]
        Tensor? refOut = null;
        if (refs is not null)
        {
            Check(refs, "refs");
            if (refs.Shape[0] != main.Shape[0])
                throw new ArgumentException($"MaskedAttention: refs {refs.Shape} and main {main.Shape} differ in batch");
            // Recorded before the patches' attention, so backward runs that one first: it writes the qkv
            // gradient both share and this one adds into it, instead of a zero fill for this one to start.
            var qkvRefs = Qkv.Forward(refs);                         // [B, M, 3D]
            refOut = Proj.Forward(Ops.RefAttentionPacked(qkv, qkvRefs, Heads, Scale), refsResidual);  // [B, M, D]
        }
        var mainOut = Proj.Forward(Ops.AttentionPacked(qkv, Heads, null, Scale), mainResidual);
        return (mainOut, refOut);
    }

    private void Check(Tensor x, string name)
    {
        if (x.Rank != 3 || x.Shape[2] != Dim)
            throw new ArgumentException($"MaskedAttention: {name} {x.Shape} must be [B, L, D={Dim}]");
    }
}
