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
        var lineIn = new byte[Math.Max(w, h) * 3];
        var lineOut = new byte[Math.Max(w, h) * 3];
        for (int pass = 0; pass < Passes; pass++)
        {
            for (int y = 0; y < h; y++)
            {
                Array.Copy(a, y * w * 3, lineIn, 0, w * 3);
                BoxLine(lineIn, lineOut, w, radius);
                Array.Copy(lineOut, 0, b, y * w * 3, w * 3);
            }
            (a, b) = (b, a);
        }
        for (int pass = 0; pass < Passes; pass++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int y = 0; y < h; y++)
                {
                    int s = (y * w + x) * 3;
                    lineIn[y * 3] = a[s]; lineIn[y * 3 + 1] = a[s + 1]; lineIn[y * 3 + 2] = a[s + 2];
                }
                BoxLine(lineIn, lineOut, h, radius);
                for (int y = 0; y < h; y++)
                {
                    int d = (y * w + x) * 3;
                    b[d] = lineOut[y * 3]; b[d + 1] = lineOut[y * 3 + 1]; b[d + 2] = lineOut[y * 3 + 2];
                }
            }
            (a, b) = (b, a);
        }
        return new RgbImage(w, h, a);
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
    // radius, fw on the two next pixels, edges clamped, rounded to 8 bits.
    private static void BoxLine(byte[] src, byte[] dst, int n, float radius)
    {
        int r = (int)radius;
        uint ww = (uint)((1 << 24) / (radius * 2 + 1));
        uint fw = ((1u << 24) - (uint)(r * 2 + 1) * ww) / 2;
        int last = n - 1;
        for (int x = 0; x < n; x++)
        {
            for (int c = 0; c < 3; c++)
            {
                uint acc = 0;
                for (int k = -r; k <= r; k++) acc += src[Math.Clamp(x + k, 0, last) * 3 + c];
                uint far = (uint)src[Math.Clamp(x - r - 1, 0, last) * 3 + c] + src[Math.Clamp(x + r + 1, 0, last) * 3 + c];
                uint bulk = acc * ww + far * fw;
                dst[x * 3 + c] = (byte)((bulk + (1u << 23)) >> 24);
            }
        }
    }
}
