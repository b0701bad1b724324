using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>y = x gathered at <paramref name="indices"/> along an axis (torch.index_select); repeats allowed.</summary>
    public static Tensor IndexSelect(Tensor x, int axis, int[] indices) => IndexSelectFunction.Apply(x, axis, indices);
}

internal sealed class IndexSelectFunction : Function
{
    private Shape inputShape;
    private int[] indices = [];
    private int outer, n, inner;

    public static Tensor Apply(Tensor x, int axis, int[] indices)
    {
        Check.Alive("IndexSelect", "x", x);
        int ax = x.Shape.Axis(axis, "IndexSelect");
        int n = x.Shape[ax];
        foreach (int i in indices)
            if (i < 0 || i >= n) throw new ArgumentException($"IndexSelect: index {i} is outside axis {ax} of x {x.Shape}");
        var fn = new IndexSelectFunction
        {
            inputShape = x.Shape, indices = (int[])indices.Clone(), n = n,
            outer = checked((int)x.Shape.Product(0, ax)),
            inner = checked((int)x.Shape.Product(ax + 1, x.Rank)),
        };
        var y = Tensor.Empty(x.Backend, x.Shape.With(ax, indices.Length));
        x.Backend.IndexSelect(x, fn.outer, n, fn.inner, fn.indices, y);
        return fn.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Zeros(g.Backend, inputShape);
        g.Backend.IndexAdd(g, outer, n, inner, indices, dx);
        return [dx];
    }
}
