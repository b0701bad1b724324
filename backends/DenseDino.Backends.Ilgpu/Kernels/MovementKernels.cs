namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>Strided copies and index gathers/scatters; one thread per source element.</summary>
public static class MovementKernels
{
    /// <summary>y[offY + i·sy] (=|+=) x[offX + i·sx] over whole buffers; mode 2 uses atomics (zero strides in y collide).</summary>
    [Kernel]
    public static void StridedCopy(Index1D i, ArrayView<float> x, ArrayView<float> y, CopyArgs p)
    {
        long ox, oy;
        if (p.Narrow != 0) Dims6.Offsets32(i, p.Dims, p.StrideX, p.StrideY, out ox, out oy);
        else Dims6.Offsets(i, p.Dims, p.StrideX, p.StrideY, out ox, out oy);
        float v = x[p.OffsetX + ox];
        long at = p.OffsetY + oy;
        if (p.Mode == 0) y[at] = v;
        else if (p.Mode == 1) y[at] = y[at] + v;
        else Atomic.Add(ref y[at], v);
    }

    /// <summary>y [outer, m, inner] = x[o, idx[j], i].</summary>
    [Kernel]
    public static void IndexSelect(Index1D r, ArrayView<float> x, ArrayView<int> idx, ArrayView<float> y, int n, int m, int inner)
    {
        long e = r;
        long i = e % inner, oj = e / inner;
        long j = oj % m, o = oj / m;
        y[e] = x[(o * n + idx[j]) * inner + i];
    }

    /// <summary>dx[o, idx[j], i] += dy[o, j, i] (atomics: indices may repeat).</summary>
    [Kernel]
    public static void IndexAdd(Index1D r, ArrayView<float> dy, ArrayView<int> idx, ArrayView<float> dx, int n, int m, int inner)
    {
        long e = r;
        long i = e % inner, oj = e / inner;
        long j = oj % m, o = oj / m;
        Atomic.Add(ref dx[(o * n + idx[j]) * inner + i], dy[e]);
    }

    /// <summary>
    /// images [N, 3, plane] = lut[c·256 + byte], one thread per pixel: packed holds each image's RGB bytes,
    /// pixel-major, 4 per element (little-endian), image i from element i·per.
    /// </summary>
    [Kernel]
    public static void PixelsToChw(Index1D e, ArrayView<float> packed, ArrayView<float> lut, ArrayView<float> images, int plane, int per)
    {
        int i = e / plane, p = e - i * plane;
        long first = (long)i * per * 4 + 3L * p, at = (long)i * 3 * plane + p;
        for (int c = 0; c < 3; c++)
        {
            long b = first + c;
            uint word = Interop.FloatAsInt(packed[b >> 2]);
            int value = (int)((word >> (int)((b & 3) * 8)) & 0xFFu);
            images[at + (long)c * plane] = lut[c * 256 + value];
        }
    }
}
