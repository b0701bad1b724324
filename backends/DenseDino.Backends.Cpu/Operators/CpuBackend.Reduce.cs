using DenseDino.Backends.Cpu.Kernels;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices, bool accumulate = false)
    {
        if (accumulate && op == ReduceOp.Max) throw new ArgumentException("Reduce: Max cannot accumulate into its output");
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
                else
                {
                    float v = n == 0 ? (op == ReduceOp.Mean ? float.NaN : 0f) : TensorPrimitives.Sum(row) * scale; // empty mean = 0/0, as torch and the inner > 1 path
                    py[o] = accumulate ? py[o] + v : v;
                }
            });
            return;
        }
        if (op != ReduceOp.Max)
        {
            ColumnSums(px, outer, n, inner, scale, py, accumulate);
            return;
        }
        // Each output row keeps the max of n contiguous rows of length inner.
        CpuParallelRows(outer, n * inner, o =>
        {
            var dst = new Span<float>(py + o * inner, inner);
            float* src = px + (long)o * n * inner;
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
        });
    }

    /// <summary>
    /// y[o, i] = scale · Σ_j x[o, j, i]: a bias gradient is one output row over thousands of rows, so the
    /// work is split by 32-column blocks (not by output row: that left one thread doing it all), each
    /// block summed in four registers down all n rows, in row order like a running row-by-row add.
    /// </summary>
    private void ColumnSums(float* px, int outer, int n, int inner, float scale, float* py, bool accumulate)
    {
        const int Block = 32;
        int blocks = (inner + Block - 1) / Block;
        CpuParallel.For(outer * blocks, Threads, (long)n * Block, t =>
        {
            int o = t / blocks, c0 = t % blocks * Block, w = Math.Min(Block, inner - c0);
            float* src = px + (long)o * n * inner + c0, dst = py + (long)o * inner + c0;
            if (w == Block && Vector256.IsHardwareAccelerated)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int j = 0; j < n; j++, src += inner)
                {
                    a0 += Vector256.Load(src); a1 += Vector256.Load(src + 8);
                    a2 += Vector256.Load(src + 16); a3 += Vector256.Load(src + 24);
                }
                var vs = Vector256.Create(scale);
                if (scale != 1f) { a0 *= vs; a1 *= vs; a2 *= vs; a3 *= vs; }
                if (accumulate)
                {
                    a0 = Vector256.Load(dst) + a0; a1 = Vector256.Load(dst + 8) + a1;
                    a2 = Vector256.Load(dst + 16) + a2; a3 = Vector256.Load(dst + 24) + a3;
                }
                a0.Store(dst); a1.Store(dst + 8); a2.Store(dst + 16); a3.Store(dst + 24);
                return;
            }
            for (int i = 0; i < w; i++)
            {
                float sum = 0;
                for (int j = 0; j < n; j++) sum += src[(long)j * inner + i];
                float v = scale != 1f ? sum * scale : sum;
                dst[i] = accumulate ? dst[i] + v : v;
            }
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
