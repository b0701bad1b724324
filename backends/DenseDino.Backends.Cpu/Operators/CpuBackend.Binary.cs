using System.Numerics.Tensors;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        float* pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        if (a.Length == y.Length && b.Length == y.Length)
        {
            ForChunks(y.Length, (s, n) => Apply(op, pa + s, 1, pb + s, 1, py + s, n));
            return;
        }
        var layout = BroadcastLayout.Create(y.Shape, a.Shape, b.Shape);
        int inner = layout.Inner;
        long rows = y.Length / Math.Max(inner, 1);
        if (inner == 0 || rows == 0) return;
        CpuParallelRows(rows, inner, r =>
        {
            var (oa, ob) = layout.Offsets(r);
            Apply(op, pa + oa, layout.InnerStrideA, pb + ob, layout.InnerStrideB, py + r * inner, inner);
        });
    }

    /// <summary>One row of a broadcast op; a stride of 0 means that operand is a scalar along the row.</summary>
    private static void Apply(BinaryOp op, float* a, int strideA, float* b, int strideB, float* y, int n)
    {
        var dst = new Span<float>(y, n);
        if (strideA == 1 && strideB == 1)
        {
            var x1 = new ReadOnlySpan<float>(a, n);
            var x2 = new ReadOnlySpan<float>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x1, x2, dst); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x1, x2, dst); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x1, x2, dst); break;
                default: TensorPrimitives.Divide(x1, x2, dst); break;
            }
        }
        else if (strideA == 1)
        {
            var x1 = new ReadOnlySpan<float>(a, n);
            float s = *b;
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x1, s, dst); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x1, s, dst); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x1, s, dst); break;
                default: TensorPrimitives.Divide(x1, s, dst); break;
            }
        }
        else if (strideB == 1)
        {
            float s = *a;
            var x2 = new ReadOnlySpan<float>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x2, s, dst); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(s, x2, dst); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x2, s, dst); break;
                default: TensorPrimitives.Divide(s, x2, dst); break;
            }
        }
        else
        {
            float s1 = *a, s2 = *b;
            dst.Fill(op switch { BinaryOp.Add => s1 + s2, BinaryOp.Sub => s1 - s2, BinaryOp.Mul => s1 * s2, _ => s1 / s2 });
        }
    }

    /// <summary>Runs body(row) for rows of a given width, chunked across threads.</summary>
    private void CpuParallelRows(long rows, int width, Action<long> body)
    {
        if (rows <= 0) return; // empty tensors: nothing to do (and Math.Clamp would throw on max 0 < min 1)
        int chunks = (int)Math.Clamp(rows * (long)width / ParallelGrain, 1, Math.Min(Threads, rows));
        if (chunks <= 1)
        {
            for (long r = 0; r < rows; r++) body(r);
            return;
        }
        Kernels.CpuParallel.For(chunks, chunks, long.MaxValue / chunks, c =>
        {
            long s = rows * c / chunks, e = rows * (c + 1) / chunks;
            for (long r = s; r < e; r++) body(r);
        });
    }

    public void SumToShape(Tensor x, Tensor y)
    {
        // Coalesce into alternating kept/reduced runs; the common cases are one Reduce call.
        var kinds = new List<(bool reduced, long size)>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (x.Shape[i] == 1) continue;
            bool red = y.Shape[i] == 1;
            if (kinds.Count > 0 && kinds[^1].reduced == red) kinds[^1] = (red, kinds[^1].size * x.Shape[i]);
            else kinds.Add((red, x.Shape[i]));
        }
        if (x.Length == 0 || kinds.Count == 0 || kinds.All(k => !k.reduced))
        {
            if (x.Length == 0) Fill(y, 0f); else Copy(x, y);
            return;
        }
        if (kinds.Count <= 3)
        {
            int at = kinds.FindIndex(k => k.reduced);
            if (kinds.Count(k => k.reduced) == 1)
            {
                long outer = at > 0 ? kinds[0].size : 1, inner = at < kinds.Count - 1 ? kinds[^1].size : 1;
                Reduce(ReduceOp.Sum, x, checked((int)outer), checked((int)kinds[at].size), checked((int)inner), y, null);
                return;
            }
        }
        // General pattern: accumulate serially with zero strides on the reduced axes.
        Fill(y, 0f);
        var yStrides = y.Shape.Strides();
        for (int i = 0; i < y.Rank; i++) if (y.Shape[i] == 1) yStrides[i] = 0;
        StridedCopy(x, 0, x.Shape.Strides(), y, 0, yStrides, x.Shape.Dims, accumulate: true);
    }
}

/// <summary>
/// Element strides of two operands broadcast to an output, with the output's axes merged
/// where both operands allow, so the innermost run is as long as possible.
/// </summary>
internal sealed class BroadcastLayout
{
    private long[] dims = [], strideA = [], strideB = [];

    public int Inner { get; private init; }
    public int InnerStrideA { get; private init; }
    public int InnerStrideB { get; private init; }

    public static BroadcastLayout Create(Shape y, Shape a, Shape b)
    {
        var (d, la, lb) = StrideLayout.Coalesce(y.Dims, StrideLayout.BroadcastStrides(y, a), StrideLayout.BroadcastStrides(y, b));
        if (d.Count == 0) { d.Add(1); la.Add(0); lb.Add(0); }
        // The innermost output axis is an operand's own innermost axis (stride 1) or broadcast (stride 0).
        return new BroadcastLayout
        {
            dims = d.ToArray(), strideA = la.ToArray(), strideB = lb.ToArray(),
            Inner = (int)d[^1], InnerStrideA = (int)la[^1], InnerStrideB = (int)lb[^1],
        };
    }

    /// <summary>Offsets of a and b at the start of output row r (rows are the outer axes flattened).</summary>
    public (long a, long b) Offsets(long r)
    {
        long oa = 0, ob = 0;
        for (int i = dims.Length - 2; i >= 0; i--)
        {
            long idx = r % dims[i];
            r /= dims[i];
            oa += idx * strideA[i];
            ob += idx * strideB[i];
        }
        return (oa, ob);
    }
}
