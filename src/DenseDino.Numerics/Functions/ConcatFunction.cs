using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Joins tensors along an axis; all other dims must agree.</summary>
    public static Tensor Concat(int axis, params Tensor[] xs) => ConcatFunction.Apply(xs, axis);
}

internal sealed class ConcatFunction : Function
{
    private int axis;
    private Shape[] shapes = [];

    public static Tensor Apply(Tensor[] xs, int axis)
    {
        if (xs.Length == 0) throw new ArgumentException("Concat: no tensors given");
        for (int i = 0; i < xs.Length; i++) Check.SameBackend("Concat", xs[0], xs[i], "xs[0]", $"xs[{i}]");
        int ax = xs[0].Shape.Axis(axis, "Concat");
        int total = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            var s = xs[i].Shape;
            if (s.Rank != xs[0].Rank || Enumerable.Range(0, s.Rank).Any(d => d != ax && s[d] != xs[0].Shape[d]))
                throw new ArgumentException($"Concat: xs[{i}] {s} does not match xs[0] {xs[0].Shape} outside axis {ax}");
            total += s[ax];
        }
        var y = Tensor.Empty(xs[0].Backend, xs[0].Shape.With(ax, total));
        long at = 0, step = y.Shape.Product(ax + 1, y.Rank);
        foreach (var x in xs)
        {
            // x is a block of y: same strides as y, shifted along the axis.
            x.Backend.StridedCopy(x, 0, x.Shape.Strides(), y, at * step, y.Shape.Strides(), x.Shape.Dims, accumulate: false);
            at += x.Shape[ax];
        }
        return new ConcatFunction { axis = ax, shapes = xs.Select(x => x.Shape).ToArray() }.Record(y, xs);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var grads = new Tensor?[shapes.Length];
        long at = 0, step = g.Shape.Product(axis + 1, g.Rank);
        for (int i = 0; i < shapes.Length; i++)
        {
            if (NeedsGrad(i))
            {
                var dx = Tensor.Empty(g.Backend, shapes[i]);
                g.Backend.StridedCopy(g, at * step, g.Shape.Strides(), dx, 0, shapes[i].Strides(), shapes[i].Dims, accumulate: false);
                grads[i] = dx;
            }
            at += shapes[i][axis];
        }
        return grads;
    }
}
