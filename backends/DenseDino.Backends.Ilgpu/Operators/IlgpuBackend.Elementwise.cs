using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Unary(UnaryOp op, Tensor x, float alpha, Tensor y)
    {
        if (y.Length == 0) return;
        K.Unary(Count(y.Length), V(x), V(y), (int)op, alpha);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, float alpha, Tensor dx, bool accumulate)
    {
        if (dx.Length == 0) return;
        K.UnaryBackward(Count(dx.Length), V(x), V(y), V(dy), V(dx), (int)op, alpha, accumulate ? 1 : 0);
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (y.Length == 0) return;
        if (a.Length == y.Length && b.Length == y.Length)
        {
            K.BinarySame(Count(y.Length), V(a), V(b), V(y), (int)op);
            return;
        }
        var (dims, sa, sb) = Broadcast(y.Shape, a.Shape, b.Shape);
        var sy = ContiguousStrides(dims);
        // More than six collapsed dims (rare): one launch per index of the leading ones.
        Dims6.ForLeading(dims, [sa, sb, sy], (off, d, s) =>
        {
            var args = new BroadcastArgs
            {
                Dims = Dims6.From(d, 1), StrideA = Dims6.From(s[0], 0), StrideB = Dims6.From(s[1], 0), Op = (int)op,
                Narrow = Dims6.FitsInt(d, s[0], s[1]) ? 1 : 0,
            };
            long n = d.Aggregate(1L, (p, x) => p * x);
            K.BinaryBroadcast(Count(n), V(a).SubView(off[0]), V(b).SubView(off[1]), V(y).SubView(off[2]), args);
        });
    }

    /// <summary>y's dims with a's and b's strides (0 where broadcast), merging axes both walk contiguously.</summary>
    private static (List<long> Dims, List<long> A, List<long> B) Broadcast(Shape y, Shape a, Shape b) =>
        StrideLayout.Coalesce(y.Dims, StrideLayout.BroadcastStrides(y, a), StrideLayout.BroadcastStrides(y, b));

    private static List<long> ContiguousStrides(List<long> dims)
    {
        var s = new long[dims.Count];
        long acc = 1;
        for (int i = dims.Count - 1; i >= 0; i--) { s[i] = acc; acc *= dims[i]; }
        return [.. s];
    }
}
