using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Elements [start, start+length) along an axis (torch.narrow). A view when the slice is contiguous.</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length) => SliceFunction.Apply(x, axis, start, length);
}

internal sealed class SliceFunction : Function
{
    private int axis, start;
    private Shape inputShape;

    public static Tensor Apply(Tensor x, int axis, int start, int length)
    {
        Check.Alive("Slice", "x", x);
        int ax = x.Shape.Axis(axis, "Slice");
        if (start < 0 || length < 0 || start + length > x.Shape[ax])
            throw new ArgumentException($"Slice: [{start}, {start + length}) is outside axis {ax} of x {x.Shape}");
        var shape = x.Shape.With(ax, length);
        long step = x.Shape.Product(ax + 1, x.Rank);
        Tensor y;
        if (x.Shape.Product(0, ax) == 1)
            y = x.View(start * step, shape); // leading dims are 1: the slice is one contiguous block
        else
        {
            y = Tensor.Empty(x.Backend, shape);
            x.Backend.StridedCopy(x, start * step, x.Shape.Strides(), y, 0, shape.Strides(), shape.Dims, accumulate: false);
        }
        return new SliceFunction { axis = ax, start = start, inputShape = x.Shape }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g) => Backward(g, [null]);

    protected internal override bool AddsIntoPendingGradients => true;

    /// <summary>Adds g into its slice of a pending gradient when there is one: no zero-filled full-size tensor, no full-size add.</summary>
    protected internal override Tensor?[] Backward(Tensor g, Tensor?[] pending)
    {
        var dx = pending[0] ?? Tensor.Zeros(g.Backend, inputShape);
        long step = inputShape.Product(axis + 1, inputShape.Rank);
        g.Backend.StridedCopy(g, 0, g.Shape.Strides(), dx, start * step, inputShape.Strides(), g.Shape.Dims, accumulate: pending[0] is not null);
        return [dx];
    }
}
