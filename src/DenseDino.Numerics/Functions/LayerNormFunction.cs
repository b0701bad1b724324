using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>LayerNorm over the last axis: (x − mean)/sqrt(var + eps) · gamma + beta (biased variance).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = 1e-6f) => LayerNormFunction.Apply(x, gamma, beta, eps);
}

internal sealed class LayerNormFunction : Function
{
    private Tensor x = null!, gamma = null!, mean = null!, rstd = null!;

    public static Tensor Apply(Tensor x, Tensor gamma, Tensor beta, float eps)
    {
        Check.SameBackend("LayerNorm", x, gamma, "x", "gamma");
        Check.SameBackend("LayerNorm", x, beta, "x", "beta");
        Check.Rank("LayerNorm", "x", x, 1);
        int dim = x.Shape[^1];
        Check.ShapeEquals("LayerNorm", "gamma", gamma, [dim]);
        Check.ShapeEquals("LayerNorm", "beta", beta, [dim]);
        if (!(eps > 0)) throw new ArgumentException($"LayerNorm: eps must be > 0, got {eps}");
        int rows = checked((int)x.Shape.Product(0, x.Rank - 1));
        var y = Tensor.Empty(x.Backend, x.Shape);
        var fn = new LayerNormFunction { x = x, gamma = gamma, mean = Tensor.Empty(x.Backend, [rows]), rstd = Tensor.Empty(x.Backend, [rows]) };
        x.Backend.LayerNorm(x, gamma, beta, eps, y, fn.mean, fn.rstd);
        return fn.Record(y, x, gamma, beta);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, [null, null, null]);

    protected internal override bool AddsIntoPendingGradients => true;

    // Before a residual block, x's gradient already holds the skip path's share: add into it.
    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending)
    {
        var be = g.Backend;
        var dx = pending[0] ?? Tensor.Empty(be, x.Shape);
        // The backend adds the parameter gradients into what it is given: a pending one (an arena slot) or zeros.
        var dgamma = pending[1] ?? Tensor.Zeros(be, gamma.Shape);
        var dbeta = pending[2] ?? Tensor.Zeros(be, gamma.Shape);
        be.LayerNormBackward(x, gamma, mean, rstd, g, dx, dgamma, dbeta, accumulateDx: pending[0] is not null);
        return [dx, dgamma, dbeta];
    }
}
