using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Reorders axes: y.Shape[i] = x.Shape[dims[i]] (a contiguous copy).</summary>
    public static Tensor Permute(Tensor x, params int[] dims) => PermuteFunction.Apply(x, dims);

    /// <summary>Swaps two axes.</summary>
    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        Check.Alive("Transpose", "x", x);
        int a = x.Shape.Axis(dim0, "Transpose"), b = x.Shape.Axis(dim1, "Transpose");
        var dims = Enumerable.Range(0, x.Rank).ToArray();
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(x, dims);
    }
}

internal sealed class PermuteFunction : Function
{
    private int[] dims = [];

    public static Tensor Apply(Tensor x, int[] dims)
    {
        Check.Alive("Permute", "x", x);
        if (dims.Length != x.Rank || dims.Distinct().Count() != dims.Length || dims.Any(d => d < 0 || d >= x.Rank))
            throw new ArgumentException($"Permute: dims [{string.Join(", ", dims)}] is not a permutation of the axes of x {x.Shape}");
        var y = Tensor.Empty(x.Backend, dims.Select(d => x.Shape[d]).ToArray());
        Copy(x, dims, y);
        return new PermuteFunction { dims = (int[])dims.Clone() }.Record(y, x);
    }

    /// <summary>y[i0..] = x[permuted index]: walk y's shape with x's strides reordered.</summary>
    private static void Copy(Tensor x, int[] dims, Tensor y)
    {
        var xs = x.Shape.Strides();
        var srcStrides = dims.Select(d => xs[d]).ToArray();
        x.Backend.StridedCopy(x, 0, srcStrides, y, 0, y.Shape.Strides(), y.Shape.Dims, accumulate: false);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var inverse = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
        var dx = Tensor.Empty(g.Backend, inverse.Select(d => g.Shape[d]).ToArray());
        Copy(g, inverse, dx);
        return [dx];
    }
}
