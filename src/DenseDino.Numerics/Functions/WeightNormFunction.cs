using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Weight normalisation per output row: w = g[r] · v[r,:] / ||v[r,:]|| (torch weight_norm, dim 0). g [rows], v [rows, cols].</summary>
    public static Tensor WeightNorm(Tensor g, Tensor v) => WeightNormFunction.Apply(g, v);
}

internal sealed class WeightNormFunction : Function
{
    private Tensor g = null!, v = null!, norm = null!;

    public static Tensor Apply(Tensor g, Tensor v)
    {
        Check.SameBackend("WeightNorm", g, v, "g", "v");
        Check.Rank("WeightNorm", "v", v, 2, 2);
        Check.ShapeEquals("WeightNorm", "g", g, [v.Shape[0]]);
        var w = Tensor.Empty(v.Backend, v.Shape);
        var fn = new WeightNormFunction { g = g, v = v, norm = Tensor.Empty(v.Backend, [v.Shape[0]]) };
        v.Backend.WeightNorm(g, v, w, fn.norm);
        return fn.Record(w, g, v);
    }

    protected internal override Tensor?[] Backward(Tensor dw)
    {
        var dg = Tensor.Empty(dw.Backend, g.Shape);
        var dv = Tensor.Empty(dw.Backend, v.Shape);
        dw.Backend.WeightNormBackward(g, v, norm, dw, dg, dv);
        return [dg, dv];
    }
}
