using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>A view with another shape (same element count; one dim may be -1).</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => ReshapeFunction.Apply(x, shape);

    /// <summary>A view that shares x's data but is cut from the tape.</summary>
    public static Tensor Detach(Tensor x)
    {
        Check.Alive("Detach", "x", x);
        return x.View(0, x.Shape);
    }
}

/// <summary>Reshape is free: a view of the same storage; its gradient is the reshaped gradient.</summary>
internal sealed class ReshapeFunction : Function
{
    private Shape inputShape;

    public static Tensor Apply(Tensor x, int[] shape)
    {
        Check.Alive("Reshape", "x", x);
        var dims = (int[])shape.Clone();
        int infer = Array.IndexOf(dims, -1);
        long known = 1;
        for (int i = 0; i < dims.Length; i++) if (i != infer) known *= dims[i];
        if (infer >= 0)
        {
            if (known == 0 || x.Length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer -1 in [{string.Join(", ", shape)}] for x {x.Shape}");
            dims[infer] = (int)(x.Length / known);
        }
        var target = new Shape(dims);
        if (target.Length != x.Length)
            throw new ArgumentException($"Reshape: x {x.Shape} has {x.Length} elements, target {target} has {target.Length}");
        var y = x.View(0, target);
        return new ReshapeFunction { inputShape = x.Shape }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g) => [g.View(0, inputShape)];
}
