using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// The reference tokens' attention of DenseDINO's default mask mode, from packed qkv projections:
    /// qkvMain [B, 1+N, 3·D] (CLS, then N patches), qkvRefs [B, M, 3·D] → [B, M, D]. Ref m attends to
    /// the N patch keys of main plus its own key (never CLS or other refs): softmax over those N + 1
    /// logits, then the same mix of patch values and its own value; heads merged.
    /// </summary>
    public static Tensor RefAttentionPacked(Tensor qkvMain, Tensor qkvRefs, int heads, float scale) =>
        RefAttentionFunction.Apply(qkvMain, qkvRefs, heads, scale);
}

internal sealed class RefAttentionFunction : Function
{
    private const string Op = "RefAttentionPacked";
    private Tensor main = null!, refs = null!, probs = null!;
    private AttentionShape shape;
    private float scale;

    public static Tensor Apply(Tensor qkvMain, Tensor qkvRefs, int heads, float scale)
    {
        Check.SameBackend(Op, qkvMain, qkvRefs, "qkvMain", "qkvRefs");
        int d = Ops.CheckPacked(Op, "qkvMain", qkvMain, heads);
        Ops.CheckPacked(Op, "qkvRefs", qkvRefs, heads);
        if (qkvMain.Shape[1] < 1) throw new ArgumentException($"{Op}: qkvMain {qkvMain.Shape} has no CLS row");
        Check.Dim(Op, "qkvRefs", qkvRefs.Shape, 0, "qkvMain", qkvMain.Shape, 0);
        Check.Dim(Op, "qkvRefs", qkvRefs.Shape, 2, "qkvMain", qkvMain.Shape, 2);
        int b = qkvMain.Shape[0], n = qkvMain.Shape[1] - 1, m = qkvRefs.Shape[1];
        var be = qkvMain.Backend;
        var output = Tensor.Empty(be, [b, m, d]);
        var fn = new RefAttentionFunction
        {
            main = qkvMain, refs = qkvRefs, scale = scale, shape = new(b, heads, m, n, d / heads),
            probs = Tensor.Empty(be, [b, heads, m, n + 1]),
        };
        var patches = QkvViews.Packed(qkvMain, heads, firstRow: 1);
        be.RefAttention(fn.shape, QkvViews.Packed(qkvRefs, heads), patches.K, patches.V, scale, HeadView.Columns(output, d / heads, 0), fn.probs);
        return fn.Record(output, qkvMain, qkvRefs);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, [null, null]);

    protected internal override bool AddsIntoPendingGradients => true;

    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending)
    {
        var be = g.Backend;
        int heads = shape.Heads;
        // Into main's pending gradient (the patch attention's) when there is one; else main's q part and
        // CLS row get no gradient: zero it all, the primitive then writes the patch k and v.
        var dMain = pending[0] ?? Tensor.Zeros(be, main.Shape);  // [B, 1+N, 3D]
        var dRefs = Tensor.Empty(be, refs.Shape);  // [B, M, 3D]: q, k, v views cover it
        var patches = QkvViews.Packed(main, heads, firstRow: 1);
        var dPatches = QkvViews.Packed(dMain, heads, firstRow: 1);
        be.RefAttentionBackward(shape, QkvViews.Packed(refs, heads), patches.K, patches.V, probs, HeadView.Columns(g, shape.HeadDim, 0), scale,
            QkvViews.Packed(dRefs, heads), dPatches.K, dPatches.V, accumulatePatches: pending[0] is not null);
        return [dMain, dRefs];
    }
}
