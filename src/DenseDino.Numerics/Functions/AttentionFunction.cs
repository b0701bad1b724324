using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// Fused scaled dot-product attention: softmax(q·kᵀ·scale + mask)·v.
    /// q [B, H, Lq, Dh]; k, v [B, H, Lk, Dh]; mask additive [Lq, Lk] (−∞ blocks) shared by
    /// every batch item and head, or null. Returns [B, H, Lq, Dh].
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale) => AttentionFunction.Apply(q, k, v, mask, scale);

    /// <summary>An additive mask from a boolean one (true = blocked → −∞), shape [Lq, Lk].</summary>
    public static Tensor AttentionMask(IBackend backend, bool[,] blocked)
    {
        int lq = blocked.GetLength(0), lk = blocked.GetLength(1);
        var data = new float[lq * lk];
        for (int i = 0; i < lq; i++)
            for (int j = 0; j < lk; j++)
                data[i * lk + j] = blocked[i, j] ? float.NegativeInfinity : 0f;
        return Tensor.FromArray(backend, data, [lq, lk]);
    }
}

internal sealed class AttentionFunction : Function
{
    private Tensor q = null!, k = null!, v = null!, probs = null!;
    private float scale;

    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale)
    {
        Check.SameBackend("Attention", q, k, "q", "k");
        Check.SameBackend("Attention", q, v, "q", "v");
        Check.Rank("Attention", "q", q, 4, 4);
        Check.Rank("Attention", "k", k, 4, 4);
        Check.Rank("Attention", "v", v, 4, 4);
        int b = q.Shape[0], h = q.Shape[1], lq = q.Shape[2], dh = q.Shape[3], lk = k.Shape[2];
        Check.ShapeEquals("Attention", "k", k, [b, h, lk, dh]);
        Check.ShapeEquals("Attention", "v", v, [b, h, lk, dh]);
        if (mask is not null)
        {
            Check.SameBackend("Attention", q, mask, "q", "mask");
            Check.ShapeEquals("Attention", "mask", mask, [lq, lk]);
        }
        var output = Tensor.Empty(q.Backend, q.Shape);
        var fn = new AttentionFunction { q = q, k = k, v = v, scale = scale, probs = Tensor.Empty(q.Backend, [b, h, lq, lk]) };
        q.Backend.Attention(fn.Shape, fn.Views(q, k, v), mask, scale, HeadView.Contiguous(output), fn.probs);
        return fn.Record(output, q, k, v);
    }

    private AttentionShape Shape => new(q.Shape[0], q.Shape[1], q.Shape[2], k.Shape[2], q.Shape[3]);

    private QkvViews Views(Tensor q, Tensor k, Tensor v) => new(HeadView.Contiguous(q), HeadView.Contiguous(k), HeadView.Contiguous(v));

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var be = g.Backend;
        var dq = Tensor.Empty(be, q.Shape);
        var dk = Tensor.Empty(be, k.Shape);
        var dv = Tensor.Empty(be, v.Shape);
        be.AttentionBackward(Shape, Views(q, k, v), probs, HeadView.Contiguous(g), scale, Views(dq, dk, dv));
        return [dq, dk, dv];
    }
}
