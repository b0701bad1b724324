using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// Linear(gelu(pre), weight, bias), the second half of an MLP: pre [..., in], weight [out, in].
    /// gelu(pre) lives only for the forward GEMM and is recomputed from pre in backward, so an MLP
    /// keeps one [..., hidden] activation per token instead of two (for ViT-Tiny at 224 px, batch 64,
    /// 1.8 GB of GPU memory), at the price of a second GELU. Plus <paramref name="residual"/> when given, as
    /// <see cref="Linear"/>.
    /// </summary>
    public static Tensor GeluLinear(Tensor pre, Tensor weight, Tensor? bias = null, Tensor? residual = null) =>
        GeluLinearFunction.Apply(pre, weight, bias, residual);
}

internal sealed class GeluLinearFunction : Function
{
    private Tensor pre = null!, w = null!;
    private int rows, inF, outF;

    public static Tensor Apply(Tensor pre, Tensor weight, Tensor? bias, Tensor? residual)
    {
        var (rows, inF, outF) = LinearFunction.CheckShapes("GeluLinear", pre, weight, bias, residual);
        Tensor y;
        using (var h = Gelu(pre)) y = LinearFunction.Forward(h, weight, bias, rows, inF, outF, residual);
        return new GeluLinearFunction { pre = pre, w = weight, rows = rows, inF = inF, outF = outF }.Record(y, pre, weight, bias, residual);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, new Tensor?[4]);

    protected internal override bool AddsIntoPendingGradients => true;

    /// <summary>dW and db add into their pending gradients (a parameter arena's slot, say).</summary>
    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending)
    {
        var be = g.Backend;
        Tensor? dpre = null, dw = null;
        if (NeedsGrad(0))
        {
            // dpre = (dy · W) ∘ gelu'(pre)
            using var dh = LinearFunction.InputGrad(g, w, pre.Shape, rows, inF, outF);
            dpre = Tensor.Empty(be, pre.Shape);
            be.UnaryBackward(UnaryOp.Gelu, pre, pre, dh, 0f, dpre, accumulate: false); // GELU's backward reads x only
        }
        if (NeedsGrad(1))
            using (var h = Gelu(pre)) dw = LinearFunction.WeightGrad(g, h, w.Shape, rows, inF, outF, pending[1]);
        return [dpre, dw, NeedsGrad(2) ? LinearFunction.BiasGrad(g, rows, outF, pending[2]) : null,
                NeedsGrad(3) ? LinearFunction.ResidualGrad(g, pending[3]) : null];
    }

    private static Tensor Gelu(Tensor pre)
    {
        var h = Tensor.Empty(pre.Backend, pre.Shape);
        pre.Backend.Unary(UnaryOp.Gelu, pre, 0f, h);
        return h;
    }
}
