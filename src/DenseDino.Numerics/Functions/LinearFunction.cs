using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>y = x · Wᵀ + bias (F.linear): x [..., in], weight [out, in], bias [out] or null.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => LinearFunction.Apply(x, weight, bias);
}

/// <summary>The bias is fused into the GEMM; its gradient is the column sum of dy.</summary>
internal sealed class LinearFunction : Function
{
    private Tensor x = null!, w = null!;
    private int rows, inF, outF;

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias)
    {
        Check.SameBackend("Linear", x, weight, "x", "weight");
        Check.Rank("Linear", "x", x, 1);
        Check.Rank("Linear", "weight", weight, 2, 2);
        int inF = weight.Shape[1], outF = weight.Shape[0];
        if (x.Shape[^1] != inF) throw new ArgumentException($"Linear: x {x.Shape}, weight {weight.Shape}: {x.Shape[^1]} != {inF}");
        if (bias is not null)
        {
            Check.SameBackend("Linear", x, bias, "x", "bias");
            Check.ShapeEquals("Linear", "bias", bias, [outF]);
        }
        int rows = checked((int)(x.Length / Math.Max(inF, 1)));
        if (inF == 0) rows = checked((int)x.Shape.Product(0, x.Rank - 1));
        var outDims = x.Shape.ToArray();
        outDims[^1] = outF;
        var y = Tensor.Empty(x.Backend, outDims);
        x.Backend.MatMul(x, weight, bias, new GemmShape(1, rows, outF, inF, false, true, 0, 0, 0), 1f, 0f, y);
        var fn = new LinearFunction { x = x, w = weight, rows = rows, inF = inF, outF = outF };
        return fn.Record(y, x, weight, bias);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var be = g.Backend;
        Tensor? dx = null, dw = null, db = null;
        if (NeedsGrad(0))
        {
            dx = Tensor.Empty(be, x.Shape); // dx = dy · W
            be.MatMul(g, w, null, new GemmShape(1, rows, inF, outF, false, false, 0, 0, 0), 1f, 0f, dx);
        }
        if (NeedsGrad(1))
        {
            dw = Tensor.Empty(be, w.Shape); // dW = dyᵀ · x
            be.MatMul(g, x, null, new GemmShape(1, outF, inF, rows, true, false, 0, 0, 0), 1f, 0f, dw);
        }
        if (NeedsGrad(2))
        {
            db = Tensor.Empty(be, [outF]);
            using var g3 = g.View(0, [1, rows, outF]);
            be.Reduce(ReduceOp.Sum, g3, 1, rows, outF, db, null);
        }
        return [dx, dw, db];
    }
}
