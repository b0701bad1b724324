using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Data;

/// <summary>
/// Separable bicubic resize with Pillow's semantics, because torchvision applies
/// RandomResizedCrop to PIL images through <c>Image.resize(size, BICUBIC)</c>:
/// Keys kernel with a = -0.5 (Pillow's constant, not torch tensors' -0.75); on downscale the
/// kernel support is stretched by the scale (antialiasing); pixel centres at i + 0.5; taps
/// outside the source are dropped and the weights renormalised; horizontal pass first, each
/// pass rounded and clipped to 8 bits. Pillow rounds its weights to 22-bit fixed point; we keep
/// doubles, so an output byte can differ from Pillow's by one.
/// </summary>
public static class BicubicResampler
{
    private const double A = -0.5;
    private const double Support = 2.0;

    /// <summary>Resizes the box [x, x+w) x [y, y+h) of <paramref name="source"/> to outWidth x outHeight.</summary>
    public static RgbImage ResizeCrop(RgbImage source, CropBox box, int outWidth, int outHeight)
    {
        if (box.X < 0 || box.Y < 0 || box.Width <= 0 || box.Height <= 0 || box.Right > source.Width || box.Bottom > source.Height)
            throw new ArgumentOutOfRangeException(nameof(box), $"ResizeCrop: box {box} outside the {source.Width}x{source.Height} image");
        if (outWidth <= 0 || outHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(outWidth), $"ResizeCrop: output {outWidth}x{outHeight} must be positive");

        var (xStart, xCount, xWeights, xTaps) = Coefficients(box.Width, outWidth);
        var (yStart, yCount, yWeights, yTaps) = Coefficients(box.Height, outHeight);

        // Horizontal: [box.Height, outWidth, 3]
        var mid = new byte[box.Height * outWidth * 3];
        for (int y = 0; y < box.Height; y++)
            HorizontalRow(source.Pixels, ((box.Y + y) * source.Width + box.X) * 3, mid, y * outWidth * 3, outWidth, xStart, xCount, xWeights, xTaps);
        var dst = new byte[outHeight * outWidth * 3];
        for (int oy = 0; oy < outHeight; oy++)
            VerticalRow(mid, outWidth * 3, yStart[oy], yCount[oy], yWeights.AsSpan(oy * yTaps, yTaps), dst.AsSpan(oy * outWidth * 3, outWidth * 3));
        return new RgbImage(outWidth, outHeight, dst);
    }

    // One output row of the horizontal pass. A pixel's r, g, b (plus one byte past it, ignored) go
    // through one 4-lane double vector per tap: the same products and sums in the same order as
    // three scalar accumulators, so the bytes are identical; only the image's last pixel, whose
    // fourth byte would be past the array, takes the scalar path.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalRow(byte[] src, int rowBase, byte[] mid, int outBase, int outWidth,
        int[] xStart, int[] xCount, double[] xWeights, int xTaps)
    {
        fixed (byte* ps = src, pm = mid)
        fixed (double* pw = xWeights)
            for (int ox = 0; ox < outWidth; ox++)
            {
                int s0 = rowBase + xStart[ox] * 3, n = xCount[ox];
                double* wk = pw + ox * xTaps;
                byte* o = pm + outBase + ox * 3;
                if (Avx.IsSupported && s0 + n * 3 + 1 <= src.Length)
                {
                    var acc = Vector256<double>.Zero;
                    for (int k = 0; k < n; k++)
                        acc = Avx.Add(acc, Avx.Multiply(Vector256.Create(wk[k]), Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(ps + s0 + k * 3))));
                    uint rgb = Clip8x4(acc);
                    o[0] = (byte)rgb; o[1] = (byte)(rgb >> 8); o[2] = (byte)(rgb >> 16);
                    continue;
                }
                double r = 0, g = 0, b = 0;
                for (int k = 0; k < n; k++)
                {
                    byte* p = ps + s0 + k * 3;
                    r += wk[k] * p[0]; g += wk[k] * p[1]; b += wk[k] * p[2];
                }
                o[0] = Clip8(r); o[1] = Clip8(g); o[2] = Clip8(b);
            }
    }

    // One output row of the vertical pass: every byte of the row is the same weighted sum of the
    // rows above and below, four bytes per vector (same operations, same order as scalar).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalRow(byte[] mid, int rowLength, int s0, int n, ReadOnlySpan<double> weights, Span<byte> output)
    {
        fixed (byte* pm = mid, o = output)
        fixed (double* w = weights)
        {
            byte* top = pm + (long)s0 * rowLength;
            int i = 0;
            if (Avx.IsSupported)
                for (; i + 4 <= rowLength; i += 4)
                {
                    var acc = Vector256<double>.Zero;
                    for (int k = 0; k < n; k++)
                        acc = Avx.Add(acc, Avx.Multiply(Vector256.Create(w[k]), Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(top + (long)k * rowLength + i))));
                    *(uint*)(o + i) = Clip8x4(acc);
                }
            for (; i < rowLength; i++)
            {
                double v = 0;
                for (int k = 0; k < n; k++) v += w[k] * top[(long)k * rowLength + i];
                o[i] = Clip8(v);
            }
        }
    }

    public static RgbImage Resize(RgbImage source, int outWidth, int outHeight) =>
        ResizeCrop(source, new CropBox(0, 0, source.Width, source.Height), outWidth, outHeight);

    internal static double Kernel(double x)
    {
        x = Math.Abs(x);
        if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
        return 0;
    }

    // Pillow's precompute_coeffs: per output pixel the first source index, the tap count and normalised weights.
    private static (int[] Start, int[] Count, double[] Weights, int Taps) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = Support * filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new double[outSize * taps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double sum = 0;
            for (int k = 0; k < xmax; k++)
            {
                double w = Kernel((k + xmin - center + 0.5) / filterScale);
                weights[o * taps + k] = w;
                sum += w;
            }
            if (sum != 0)
                for (int k = 0; k < xmax; k++) weights[o * taps + k] /= sum;
            start[o] = xmin;
            count[o] = xmax;
        }
        return (start, count, weights, taps);
    }

    /// <summary>Clamp to [0, 255] and round half away from zero (floor and compare: exact, and a few times faster than Math.Round with a mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Clip8(double v)
    {
        if (v <= 0) return 0;
        if (v >= 255) return 255;
        double f = Math.Floor(v);
        return (byte)(v - f >= 0.5 ? f + 1 : f);
    }

    /// <summary>
    /// <see cref="Clip8(double)"/> of four lanes, packed little-endian into a uint. Branch-free: the
    /// scalar form's half-way test is a coin flip per byte, and its mispredictions cost more than the taps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Clip8x4(Vector256<double> v)
    {
        v = Avx.Min(Avx.Max(v, Vector256<double>.Zero), Vector256.Create(255.0));
        var f = Avx.Floor(v);
        var up = Avx.CompareGreaterThanOrEqual(Avx.Subtract(v, f), Vector256.Create(0.5));
        var r = Avx.ConvertToVector128Int32WithTruncation(Avx.Add(f, Avx.And(up, Vector256<double>.One)));
        return Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(r, r), Vector128<short>.Zero).AsUInt32().ToScalar();
    }
}
