using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// y = x · Wᵀ + bias (F.linear), plus <paramref name="residual"/> when given (a transformer block's
    /// x + proj(...), with the sum made by the GEMM: no separate [..., out] product is kept alive).
    /// x [..., in], weight [out, in], bias [out] or null, residual [..., out] or null.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null, Tensor? residual = null) => LinearFunction.Apply(x, weight, bias, residual);
}

/// <summary>The bias is fused into the GEMM; its gradient is the column sum of dy.</summary>
internal sealed class LinearFunction : Function
{
    private Tensor x = null!, w = null!;
    private int rows, inF, outF;

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, Tensor? residual)
    {
        var (rows, inF, outF) = CheckShapes("Linear", x, weight, bias, residual);
        var y = Forward(x, weight, bias, rows, inF, outF, residual);
        var fn = new LinearFunction { x = x, w = weight, rows = rows, inF = inF, outF = outF };
        return fn.Record(y, x, weight, bias, residual);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, new Tensor?[4]);

    protected internal override bool AddsIntoPendingGradients => true;

    /// <summary>dx, dW and db add into pending gradients (a parameter arena's slot, say): the GEMM's beta, the column sum's accumulate.</summary>
    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending) =>
        [NeedsGrad(0) ? InputGrad(g, w, x.Shape, rows, inF, outF, pending[0]) : null,
         NeedsGrad(1) ? WeightGrad(g, x, w.Shape, rows, inF, outF, pending[1]) : null,
         NeedsGrad(2) ? BiasGrad(g, rows, outF, pending[2]) : null,
         NeedsGrad(3) ? ResidualGrad(g, pending[3]) : null];

    /// <summary>The residual's gradient is dy itself, or dy added into its pending gradient.</summary>
    internal static Tensor ResidualGrad(Tensor g, Tensor? into)
    {
        if (into is null) return g;
        g.Backend.Binary(BinaryOp.Add, into, g, into);
        return into;
    }

    /// <summary>Validates x [..., in], weight [out, in], bias [out], residual [..., out]; returns (rows, in, out).</summary>
    internal static (int Rows, int In, int Out) CheckShapes(string op, Tensor x, Tensor weight, Tensor? bias, Tensor? residual)
    {
        Check.SameBackend(op, x, weight, "x", "weight");
        Check.Rank(op, "x", x, 1);
        Check.Rank(op, "weight", weight, 2, 2);
        int inF = weight.Shape[1], outF = weight.Shape[0];
        if (x.Shape[^1] != inF) throw new ArgumentException($"{op}: x {x.Shape}, weight {weight.Shape}: {x.Shape[^1]} != {inF}");
        if (bias is not null)
        {
            Check.SameBackend(op, x, bias, "x", "bias");
            Check.ShapeEquals(op, "bias", bias, [outF]);
        }
        if (residual is not null)
        {
            Check.SameBackend(op, x, residual, "x", "residual");
            Check.ShapeEquals(op, "residual", residual, OutputShape(x, outF));
        }
        int rows = checked((int)(x.Length / Math.Max(inF, 1)));
        if (inF == 0) rows = checked((int)x.Shape.Product(0, x.Rank - 1));
        return (rows, inF, outF);
    }

    private static int[] OutputShape(Tensor x, int outF)
    {
        var dims = x.Shape.ToArray();
        dims[^1] = outF;
        return dims;
    }

    /// <summary>y [..., out] = x · Wᵀ + bias, or (residual + bias) + x · Wᵀ with a residual.</summary>
    internal static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, int rows, int inF, int outF, Tensor? residual = null)
    {
        var be = x.Backend;
        var y = Tensor.Empty(be, OutputShape(x, outF));
        var shape = new GemmShape(1, rows, outF, inF, false, true, 0, 0, 0);
        if (residual is null)
        {
            be.MatMul(x, weight, bias, shape, 1f, 0f, y);
            return y;
        }
        // The residual is the GEMM's addend: cuBLASLt reads it as C and writes y with the bias in its epilogue;
        // other GEMMs get residual + bias written into y in one pass and accumulate the product onto it.
        be.MatMul(x, weight, bias, shape, 1f, 1f, y, residual);
        return y;
    }

    /// <summary>dx = dy · W, or added into <paramref name="into"/> (then returned).</summary>
    internal static Tensor InputGrad(Tensor g, Tensor w, Shape xShape, int rows, int inF, int outF, Tensor? into = null)
    {
        var dx = into ?? Tensor.Empty(g.Backend, xShape);
        g.Backend.MatMul(g, w, null, new GemmShape(1, rows, inF, outF, false, false, 0, 0, 0), 1f, into is null ? 0f : 1f, dx);
        return dx;
    }

    /// <summary>dW = dyᵀ · x, or added into <paramref name="into"/> (then returned).</summary>
    internal static Tensor WeightGrad(Tensor g, Tensor x, Shape wShape, int rows, int inF, int outF, Tensor? into = null)
    {
        var dw = into ?? Tensor.Empty(g.Backend, wShape);
        g.Backend.MatMul(g, x, null, new GemmShape(1, outF, inF, rows, true, false, 0, 0, 0), 1f, into is null ? 0f : 1f, dw);
        return dw;
    }

    /// <summary>db = column sums of dy, or added into <paramref name="into"/> (then returned).</summary>
    internal static Tensor BiasGrad(Tensor g, int rows, int outF, Tensor? into = null)
    {
        var db = into ?? Tensor.Empty(g.Backend, [outF]);
        using var g3 = g.View(0, [1, rows, outF]);
        g.Backend.Reduce(ReduceOp.Sum, g3, 1, rows, outF, db, null, accumulate: into is not null);
        return db;
    }
}
