using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>x / max(||x||₂, eps) over the last axis (F.normalize(x, dim=-1)).</summary>
    public static Tensor L2Normalize(Tensor x, float eps = 1e-12f) => L2NormalizeFunction.Apply(x, eps);
}

internal sealed class L2NormalizeFunction : Function
{
    private Tensor x = null!, norm = null!;
    private float eps;

    public static Tensor Apply(Tensor x, float eps)
    {
        Check.Alive("L2Normalize", "x", x);
        Check.Rank("L2Normalize", "x", x, 1);
        int rows = checked((int)x.Shape.Product(0, x.Rank - 1));
        var y = Tensor.Empty(x.Backend, x.Shape);
        var fn = new L2NormalizeFunction { x = x, eps = eps, norm = Tensor.Empty(x.Backend, [rows]) };
        x.Backend.L2Normalize(x, eps, y, fn.norm);
        return fn.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(g.Backend, x.Shape);
        g.Backend.L2NormalizeBackward(x, norm, g, eps, dx);
        return [dx];
    }
}
