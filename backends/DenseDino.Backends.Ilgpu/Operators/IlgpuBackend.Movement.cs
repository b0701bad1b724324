using DenseDino.Backends.Ilgpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void StridedCopy(Tensor x, long xOffset, ReadOnlySpan<long> xStrides, Tensor y, long yOffset, ReadOnlySpan<long> yStrides, ReadOnlySpan<int> shape, bool accumulate)
    {
        // Merge axes contiguous in both x and y, so at most six remain for the kernel.
        long total = 1;
        foreach (int n in shape) total *= n;
        var (d, sx, sy) = StrideLayout.Coalesce(shape, xStrides, yStrides);
        if (total == 0) return;
        // Accumulating through a zero stride makes elements collide: atomics then.
        bool collide = accumulate && Enumerable.Range(0, d.Count).Any(i => sy[i] == 0 && d[i] > 1);
        // More than six merged dims (rare): one launch per index of the leading ones.
        Kernels.Dims6.ForLeading(d, [sx, sy], (off, dims, s) =>
        {
            var args = new CopyArgs
            {
                Dims = Dims6.From(dims, 1), StrideX = Dims6.From(s[0], 0), StrideY = Dims6.From(s[1], 0),
                OffsetX = x.Offset + xOffset + off[0], OffsetY = y.Offset + yOffset + off[1],
                Mode = !accumulate ? 0 : collide ? 2 : 1,
                Narrow = Dims6.FitsInt(dims, s[0], s[1]) ? 1 : 0,
            };
            K.StridedCopy(Count(dims.Aggregate(1L, (p, v) => p * v)), Whole(x), Whole(y), args);
        });
    }

    public void IndexSelect(Tensor x, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor y)
    {
        long total = (long)outer * indices.Length * inner;
        if (total == 0) return;
        var idx = UploadInts(indices);
        K.IndexSelect(Count(total), V(x), IntView(idx, 0, indices.Length), V(y), n, indices.Length, inner);
        Pool.Return(idx);
    }

    public void PixelsToChw(Tensor packed, Tensor lut, Tensor images)
    {
        int n = images.Shape[0], h = images.Shape[2], w = images.Shape[3];
        if (images.Length == 0) return;
        K.PixelsToChw(Count((long)n * h * w), V(packed), V(lut), V(images), h * w, (int)PixelPacking.FloatsPerImage(h, w));
    }

    public void IndexAdd(Tensor dy, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor dx)
    {
        long total = (long)outer * indices.Length * inner;
        if (total == 0) return;
        var idx = UploadInts(indices);
        K.IndexAdd(Count(total), V(dy), IntView(idx, 0, indices.Length), V(dx), n, indices.Length, inner);
        Pool.Return(idx);
    }
}
