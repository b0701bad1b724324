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

    /// <summary>x [B, L, D], mask additive [L, L] or null → [B, L, D].</summary>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        Check(x, "x");
        var (q, k, v) = SplitHeads(x);                              // each [B, H, L, Dh]
        var o = Ops.Attention(q, k, v, mask, Scale);               // [B, H, L, Dh]
        return Proj.Forward(MergeHeads(o));                         // [B, L, D]
    }

    /// <summary>
    /// The default mode without its mask. main [B, 1+N, D] (CLS + patches) attends among itself
    /// only; refs [B, M, D] (or null) attend to the N patch keys plus their own key. Returns the
    /// two outputs, equal to the matching rows of the full masked attention.
    /// </summary>
    public (Tensor Main, Tensor? Refs) ForwardSplit(Tensor main, Tensor? refs)
    {
        Check(main, "main");
        var (q, k, v) = SplitHeads(main);                           // each [B, H, 1+N, Dh]
        var mainOut = Proj.Forward(MergeHeads(Ops.Attention(q, k, v, null, Scale)));
        if (refs is null) return (mainOut, null);

        Check(refs, "refs");
        if (refs.Shape[0] != main.Shape[0])
            throw new ArgumentException($"MaskedAttention: refs {refs.Shape} and main {main.Shape} differ in batch");
        int n = main.Shape[1] - 1;
        var (qr, kr, vr) = SplitHeads(refs);                        // each [B, H, M, Dh]
        var kp = Ops.Slice(k, 2, 1, n);                             // [B, H, N, Dh] patch keys
        var vp = Ops.Slice(v, 2, 1, n);                             // [B, H, N, Dh]
        var patchLogits = Ops.Mul(Ops.MatMul(qr, kp, transB: true), Scale);       // [B, H, M, N]
        var selfLogit = Ops.Mul(Ops.Sum(Ops.Mul(qr, kr), 3, keepDim: true), Scale); // [B, H, M, 1]
        var probs = Ops.Softmax(Ops.Concat(3, patchLogits, selfLogit));           // [B, H, M, N+1]
        var fromPatches = Ops.MatMul(Ops.Slice(probs, 3, 0, n), vp);              // [B, H, M, Dh]
        var fromSelf = Ops.Mul(Ops.Slice(probs, 3, n, 1), vr);                    // [B, H, M, Dh]
        var refOut = Proj.Forward(MergeHeads(Ops.Add(fromPatches, fromSelf)));    // [B, M, D]
        return (mainOut, refOut);
    }

    /// <summary>x [B, L, D] → q, k, v each [B, H, L, Dh] (the official reshape(B, L, 3, H, Dh).permute(2, 0, 3, 1, 4)).</summary>
    private (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor x)
    {
        int b = x.Shape[0], l = x.Shape[1];
        var qkv = Ops.Reshape(Qkv.Forward(x), b, l, 3, Heads, HeadDim);  // [B, L, 3, H, Dh]
        var perm = Ops.Permute(qkv, 2, 0, 3, 1, 4);                        // [3, B, H, L, Dh]
        Tensor Part(int i) => Ops.Reshape(Ops.Slice(perm, 0, i, 1), b, Heads, l, HeadDim);
        return (Part(0), Part(1), Part(2));
    }

    /// <summary>o [B, H, L, Dh] → [B, L, D].</summary>
    private Tensor MergeHeads(Tensor o)
    {
        int b = o.Shape[0], l = o.Shape[2];
        return Ops.Reshape(Ops.Permute(o, 0, 2, 1, 3), b, l, Dim);
    }

    private void Check(Tensor x, string name)
    {
        if (x.Rank != 3 || x.Shape[2] != Dim)
            throw new ArgumentException($"MaskedAttention: {name} {x.Shape} must be [B, L, D={Dim}]");
    }
}
