using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// Multi-head self-attention straight from a qkv projection: qkv [B, L, 3·D] laid out as
    /// [B, L, 3, H, Dh] (the official reshape), mask additive [L, L] or null → [B, L, D] with heads
    /// merged (the official transpose(1, 2).reshape). Equals splitting heads, <see cref="Attention"/>
    /// and merging, without the copies.
    /// </summary>
    public static Tensor AttentionPacked(Tensor qkv, int heads, Tensor? mask, float scale) => PackedAttentionFunction.Apply(qkv, heads, mask, scale);

    /// <summary>D = H·Dh of a packed qkv [B, L, 3·D], validated.</summary>
    internal static int CheckPacked(string op, string arg, Tensor qkv, int heads)
    {
        Check.Rank(op, arg, qkv, 3, 3);
        if (heads <= 0 || qkv.Shape[2] % (3 * heads) != 0)
            throw new ArgumentException($"{op}: {arg} {qkv.Shape} must be [B, L, 3·D] with D divisible by heads {heads}");
        return qkv.Shape[2] / 3;
    }
}

internal sealed class PackedAttentionFunction : Function
{
    private Tensor qkv = null!, probs = null!;
    private AttentionShape shape;
    private float scale;

    public static Tensor Apply(Tensor qkv, int heads, Tensor? mask, float scale)
    {
        Check.Alive("AttentionPacked", "qkv", qkv);
        int d = Ops.CheckPacked("AttentionPacked", "qkv", qkv, heads);
        int b = qkv.Shape[0], l = qkv.Shape[1];
        if (mask is not null)
        {
            Check.SameBackend("AttentionPacked", qkv, mask, "qkv", "mask");
            Check.ShapeEquals("AttentionPacked", "mask", mask, [l, l]);
        }
        var be = qkv.Backend;
        var output = Tensor.Empty(be, [b, l, d]);
        var fn = new PackedAttentionFunction { qkv = qkv, scale = scale, shape = new(b, heads, l, l, d / heads), probs = Tensor.Empty(be, [b, heads, l, l]) };
        be.Attention(fn.shape, QkvViews.Packed(qkv, heads), mask, scale, HeadView.Columns(output, d / heads, 0), fn.probs);
        return fn.Record(output, qkv);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, [null]);

    protected internal override bool AddsIntoPendingGradients => true;

    // The reference tokens' attention reads the same packed qkv: when its gradient is already pending,
    // add into it instead of writing a second [B, L, 3D] tensor for Backprop to sum.
    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending)
    {
        var be = g.Backend;
        var dqkv = pending[0] ?? Tensor.Empty(be, qkv.Shape);  // [B, L, 3D]: the q, k and v views cover it
        be.AttentionBackward(shape, QkvViews.Packed(qkv, shape.Heads), probs, HeadView.Columns(g, shape.HeadDim, 0), scale, QkvViews.Packed(dqkv, shape.Heads),
            accumulate: pending[0] is not null);
        return [dqkv];
    }
}
