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
        byte[] a = (byte[])image.Pixels.Clone();
        byte[] b = new byte[a.Length];
        // Like Pillow: all horizontal passes, then transpose so the vertical passes are row passes too.
        for (int pass = 0; pass < Passes; pass++)
        {
            BoxRows(a, b, w, h, radius);
            (a, b) = (b, a);
        }
        Transpose(a, b, w, h);
        (a, b) = (b, a);
        for (int pass = 0; pass < Passes; pass++)
        {
            BoxRows(a, b, h, w, radius);
            (a, b) = (b, a);
        }
        Transpose(a, b, h, w);
        return new RgbImage(w, h, b);
    }

    private static void BoxRows(byte[] src, byte[] dst, int w, int h, float radius)
    {
        for (int y = 0; y < h; y++)
            BoxLine(src.AsSpan(y * w * 3, w * 3), dst.AsSpan(y * w * 3, w * 3), w, radius);
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

    // One box pass over n RGB pixels in Pillow's 24-bit fixed point: weight ww inside the integer
    // radius, fw on the two next pixels, edges clamped, rounded to 8 bits. A running sum keeps it O(n);
    // the three channels share one pass and the edge clamps are computed once per pixel.
    private static unsafe void BoxLine(ReadOnlySpan<byte> source, Span<byte> destination, int n, float radius)
    {
        int r = (int)radius;
        uint ww = (uint)((1 << 24) / (radius * 2 + 1));
        uint fw = ((1u << 24) - (uint)(r * 2 + 1) * ww) / 2;
        int last = n - 1;
        fixed (byte* src = source, dst = destination)
        {
            uint a0 = 0, a1 = 0, a2 = 0;
            for (int k = -r; k <= r; k++)
            {
                byte* p = src + Clamp(k, last) * 3;
                a0 += p[0]; a1 += p[1]; a2 += p[2];
            }
            for (int x = 0; x < n; x++)
            {
                byte* lo = src + Clamp(x - r - 1, last) * 3, hi = src + Clamp(x + r + 1, last) * 3, gone = src + Clamp(x - r, last) * 3;
                byte* o = dst + x * 3;
                o[0] = (byte)((a0 * ww + (uint)(lo[0] + hi[0]) * fw + (1u << 23)) >> 24);
                o[1] = (byte)((a1 * ww + (uint)(lo[1] + hi[1]) * fw + (1u << 23)) >> 24);
                o[2] = (byte)((a2 * ww + (uint)(lo[2] + hi[2]) * fw + (1u << 23)) >> 24);
                // Slide the window from [x - r, x + r] to [x + 1 - r, x + 1 + r].
                a0 += (uint)hi[0] - gone[0];
                a1 += (uint)hi[1] - gone[1];
                a2 += (uint)hi[2] - gone[2];
            }
        }
    }

    private static int Clamp(int i, int last) => i < 0 ? 0 : i > last ? last : i;
}
