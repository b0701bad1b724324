using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => ReduceFunction.Apply(ReduceOp.Sum, x, axis, keepDim);
    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) => ReduceFunction.Apply(ReduceOp.Mean, x, axis, keepDim);
    /// <summary>Maximum over an axis; the gradient goes to the (first) arg-max.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDim = false) => ReduceFunction.Apply(ReduceOp.Max, x, axis, keepDim);
    /// <summary>Sum of all elements, shape [].</summary>
    public static Tensor Sum(Tensor x) => Reshape(Sum(Reshape(x, [checked((int)x.Length)]), 0), []);
    /// <summary>Mean of all elements, shape [].</summary>
    public static Tensor Mean(Tensor x) => Reshape(Mean(Reshape(x, [checked((int)x.Length)]), 0), []);
}

/// <summary>Sum, mean or max over one axis (x viewed as [outer, n, inner]).</summary>
internal sealed class ReduceFunction : Function
{
    private readonly ReduceOp op;
    private Tensor x = null!;
    private Tensor? indices;
    private int outer, n, inner;

    private ReduceFunction(ReduceOp op) => this.op = op;
    public override string Name => op.ToString();

    public static Tensor Apply(ReduceOp op, Tensor x, int axis, bool keepDim)
    {
        Check.Alive(op.ToString(), "x", x);
        int ax = x.Shape.Axis(axis, op.ToString());
        int n = x.Shape[ax];
        if (n == 0 && op == ReduceOp.Max) throw new ArgumentException($"Max: axis {axis} of {x.Shape} is empty");
        var fn = new ReduceFunction(op)
        {
            x = x, n = n,
            outer = checked((int)x.Shape.Product(0, ax)),
            inner = checked((int)x.Shape.Product(ax + 1, x.Rank)),
        };
        var shape = keepDim ? x.Shape.With(ax, 1) : x.Shape.Without(ax);
        var y = Tensor.Empty(x.Backend, shape);
        if (op == ReduceOp.Max) fn.indices = Tensor.Empty(x.Backend, shape);
        x.Backend.Reduce(op, x, fn.outer, n, fn.inner, y, fn.indices);
        return fn.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(x.Backend, x.Shape);
        if (op == ReduceOp.Max)
        {
            x.Backend.MaxBackward(g, indices!, outer, n, inner, dx);
            return [dx];
        }
        // Broadcast g [outer, 1, inner] over n (scaled by 1/n for the mean).
        using var g3 = g.View(0, new Shape(outer, 1, inner));
        using var dx3 = dx.View(0, new Shape(outer, n, inner));
        using var scale = Tensor.Full(x.Backend, [1], op == ReduceOp.Mean ? 1f / n : 1f);
        x.Backend.Binary(BinaryOp.Mul, g3, scale, dx3);
        return [dx];
    }
}
