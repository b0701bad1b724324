using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Data;

/// <summary>
/// DINO's GaussianBlur: with probability p, Pillow's ImageFilter.GaussianBlur(radius = sigma),
/// sigma uniform in [MinSigma, MaxSigma]. Pillow approximates the Gaussian by three passes of an
/// "extended" box blur (Gwosdek et al. 2011) per axis, edges clamped, each pass rounded to 8 bits;
/// this follows that algorithm, fixed-point weights included.
/// </summary>
public sealed class GaussianBlur(double probability, double minSigma = 0.1, double maxSigma = 2.0)
{
    private const int Passes = 3;

    public double Probability { get; } = probability;
    public double MinSigma { get; } = minSigma;
    public double MaxSigma { get; } = maxSigma;

    public RgbImage Apply(RgbImage image, SampleRng rng)
    {
        // DINO draws `random.random() <= p`; with our [0, 1) draw, `<` gives the same p.
        if (!rng.Bernoulli(Probability)) return image;
        return Blur(image, rng.Uniform(MinSigma, MaxSigma));
    }

    public static RgbImage Blur(RgbImage image, double sigma)
    {
        float radius = BoxRadius(sigma, Passes);
        int w = image.Width, h = image.Height;
        byte[] a = new byte[image.Pixels.Length], b = new byte[a.Length];
        // Like Pillow: all passes along x, then all along y. Both run down columns, where a byte's
        // neighbours in the pass are a row apart and 8 adjacent bytes go through one vector: along x
        // on the transposed image [w, h, 3], along y on the image itself.
        Transpose(image.Pixels, a, w, h);
        for (int pass = 0; pass < Passes; pass++)
        {
            BoxColumns(a, b, w, h * 3, radius);
            (a, b) = (b, a);
        }
        Transpose(a, b, h, w);
        (a, b) = (b, a);
        for (int pass = 0; pass < Passes; pass++)
        {
            BoxColumns(a, b, h, w * 3, radius);
            (a, b) = (b, a);
        }
        return new RgbImage(w, h, a);
    }

    // [h, w, 3] -> [w, h, 3]
    private static void Transpose(byte[] src, byte[] dst, int w, int h)
    {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int s = (y * w + x) * 3, d = (x * h + y) * 3;
                dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2];
            }
    }

    /// <summary>Pillow's _gaussian_blur_radius: the fractional box radius whose n-pass blur has variance sigma^2 (float arithmetic, as in C).</summary>
    internal static float BoxRadius(double sigma, int passes)
    {
        float r = (float)sigma; // Pillow's binding parses the radius as a C float
        float sigma2 = r * r / passes;
        float boxLength = (float)Math.Sqrt(12.0 * sigma2 + 1.0);
        float l = (float)Math.Floor((boxLength - 1.0) / 2.0);
        float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
        a /= 6 * (sigma2 - (l + 1) * (l + 1));
        return l + a;
    }

    // One box pass down every column of [n, m] bytes in Pillow's 24-bit fixed point: weight ww inside
    // the integer radius, fw on the two next bytes, edges clamped, rounded to 8 bits. A running sum keeps
    // it O(n). Eight columns share a vector of uint lanes, whose wrap-around arithmetic is the scalar
    // uint arithmetic lane by lane: the bytes are Pillow's.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BoxColumns(byte[] source, byte[] destination, int n, int m, float radius)
    {
        int r = (int)radius;
        uint ww = (uint)((1 << 24) / (radius * 2 + 1));
        uint fw = ((1u << 24) - (uint)(r * 2 + 1) * ww) / 2;
        int last = n - 1, c = 0;
        fixed (byte* src = source, dst = destination)
        {
            if (Avx2.IsSupported)
            {
                Vector256<uint> vww = Vector256.Create(ww), vfw = Vector256.Create(fw), half = Vector256.Create(1u << 23);
                for (; c + 8 <= m; c += 8)
                {
                    byte* col = src + c;
                    var acc = Vector256<uint>.Zero;
                    for (int k = -r; k <= r; k++) acc += Load8(col + (long)Clamp(k, last) * m);
                    for (int y = 0; y < n; y++)
                    {
                        var lo = Load8(col + (long)Clamp(y - r - 1, last) * m);
                        var hi = Load8(col + (long)Clamp(y + r + 1, last) * m);
                        var v = Avx2.ShiftRightLogical(Avx2.MultiplyLow(acc, vww) + Avx2.MultiplyLow(lo + hi, vfw) + half, 24).AsInt32();
                        var words = Sse41.PackUnsignedSaturate(v.GetLower(), v.GetUpper());
                        *(ulong*)(dst + (long)y * m + c) = Sse2.PackUnsignedSaturate(words.AsInt16(), words.AsInt16()).AsUInt64().ToScalar();
                        // Slide the window from [y - r, y + r] to [y + 1 - r, y + 1 + r].
                        acc += hi - Load8(col + (long)Clamp(y - r, last) * m);
                    }
                }
            }
            for (; c < m; c++)
            {
                uint acc = 0;
                for (int k = -r; k <= r; k++) acc += src[(long)Clamp(k, last) * m + c];
                for (int y = 0; y < n; y++)
                {
                    uint lo = src[(long)Clamp(y - r - 1, last) * m + c], hi = src[(long)Clamp(y + r + 1, last) * m + c];
                    dst[(long)y * m + c] = (byte)((acc * ww + (lo + hi) * fw + (1u << 23)) >> 24);
                    acc += hi - src[(long)Clamp(y - r, last) * m + c];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<uint> Load8(byte* p) => Avx2.ConvertToVector256Int32(p).AsUInt32();

    private static int Clamp(int i, int last) => i < 0 ? 0 : i > last ? last : i;
}
