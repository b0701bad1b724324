using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void StridedCopy(Tensor x, long xOffset, ReadOnlySpan<long> xStrides, Tensor y, long yOffset, ReadOnlySpan<long> yStrides, ReadOnlySpan<int> shape, bool accumulate)
    {
        // Merge axes that are contiguous in both x and y, so the inner run is long.
        long total = 1;
        foreach (int n in shape) total *= n;
        var (d, sx, sy) = StrideLayout.Coalesce(shape, xStrides, yStrides);
        if (total == 0) return;
        if (d.Count == 0) { d.Add(1); sx.Add(1); sy.Add(1); }
        float* px = Ptr(x) + xOffset, py = Ptr(y) + yOffset;
        int inner = (int)d[^1];
        long innerX = sx[^1], innerY = sy[^1];
        long rows = total / inner;
        var dims = d.ToArray();
        var stx = sx.ToArray();
        var sty = sy.ToArray();
        // Accumulating through a zero stride makes rows collide: stay on one thread then.
        bool overlapping = accumulate && sty.Where((s, i) => s == 0 && dims[i] > 1).Any();
        Action<long> row = r =>
        {
            long ox = 0, oy = 0, rem = r;
            for (int i = dims.Length - 2; i >= 0; i--)
            {
                long idx = rem % dims[i];
                rem /= dims[i];
                ox += idx * stx[i];
                oy += idx * sty[i];
            }
            float* src = px + ox, dst = py + oy;
            if (innerX == 1 && innerY == 1)
            {
                var s = new ReadOnlySpan<float>(src, inner);
                var t = new Span<float>(dst, inner);
                if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(t, s, t);
                else s.CopyTo(t);
            }
            else if (accumulate)
                for (int i = 0; i < inner; i++) dst[i * innerY] += src[i * innerX];
            else
                for (int i = 0; i < inner; i++) dst[i * innerY] = src[i * innerX];
        };
        if (overlapping) for (long r = 0; r < rows; r++) row(r);
        else CpuParallelRows(rows, inner, row);
    }

    public void IndexSelect(Tensor x, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor y)
    {
        float* px = Ptr(x), py = Ptr(y);
        var idx = indices.ToArray();
        int m = idx.Length;
        CpuParallelRows((long)outer * m, inner, r =>
        {
            long o = r / m;
            int j = (int)(r % m);
            new ReadOnlySpan<float>(px + (o * n + idx[j]) * inner, inner).CopyTo(new Span<float>(py + r * inner, inner));
        });
    }

    public void IndexAdd(Tensor dy, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor dx)
    {
        float* g = Ptr(dy), d = Ptr(dx);
        var idx = indices.ToArray();
        int m = idx.Length;
        // Parallel over outer only: repeated indices within one outer slice must add serially.
        CpuParallelRows(outer, m * inner, o =>
        {
            for (int j = 0; j < m; j++)
            {
                var dst = new Span<float>(d + (o * n + idx[j]) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, new ReadOnlySpan<float>(g + (o * m + j) * inner, inner), dst);
            }
        });
    }
}
