using System.Numerics.Tensors;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices)
    {
        float* px = Ptr(x), py = Ptr(y);
        float* pi = indices is null ? null : Ptr(indices);
        float scale = op == ReduceOp.Mean ? 1f / n : 1f;
        if (inner == 1)
        {
            // Each output is one contiguous row of x.
            CpuParallelRows(outer, n, o =>
            {
                var row = new ReadOnlySpan<float>(px + o * n, n);
                if (op == ReduceOp.Max)
                {
                    int at = TensorPrimitives.IndexOfMax(row);
                    py[o] = row[at];
                    if (pi != null) pi[o] = at;
                }
                else py[o] = n == 0 ? (op == ReduceOp.Mean ? float.NaN : 0f) : TensorPrimitives.Sum(row) * scale; // empty mean = 0/0, as torch and the inner > 1 path
            });
            return;
        }
        // Each output row accumulates n contiguous rows of length inner: vectorised over inner.
        CpuParallelRows(outer, n * inner, o =>
        {
            var dst = new Span<float>(py + o * inner, inner);
            float* src = px + (long)o * n * inner;
            if (op == ReduceOp.Max)
            {
                new ReadOnlySpan<float>(src, inner).CopyTo(dst);
                var idx = pi == null ? default : new Span<float>(pi + o * inner, inner);
                if (pi != null) idx.Clear();
                for (int j = 1; j < n; j++)
                {
                    float* row = src + (long)j * inner;
                    for (int i = 0; i < inner; i++)
                        if (row[i] > dst[i])
                        {
                            dst[i] = row[i];
                            if (pi != null) idx[i] = j;
                        }
                }
                return;
            }
            dst.Clear();
            for (int j = 0; j < n; j++) TensorPrimitives.Add(dst, new ReadOnlySpan<float>(src + (long)j * inner, inner), dst);
            if (scale != 1f) TensorPrimitives.Multiply(dst, scale, dst);
        });
    }

    public void MaxBackward(Tensor dy, Tensor indices, int outer, int n, int inner, Tensor dx)
    {
        Fill(dx, 0f);
        float* g = Ptr(dy), pi = Ptr(indices), d = Ptr(dx);
        for (long o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long at = o * inner + i;
                d[(o * n + (long)pi[at]) * inner + i] = g[at];
            }
    }
}
