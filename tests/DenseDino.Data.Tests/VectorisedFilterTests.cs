namespace DenseDino.Data.Tests;

/// <summary>
/// The vectorised resize and blur against plain scalar oracles (the straightforward per-pixel
/// formulas, in double and in Pillow's fixed point): every byte must be identical, on random images
/// with odd sizes, width 1, up- and downscales, and crops touching the image's last pixel.
/// </summary>
public class VectorisedFilterTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> ResizeCases => new()
    {
        // image w, h; box x, y, w, h; output w, h
        { 37, 29, 0, 0, 37, 29, 224, 224 },   // upscale, whole image (last pixel read)
        { 160, 213, 13, 40, 147, 173, 96, 96 }, // downscale-ish crop
        { 41, 17, 40, 16, 1, 1, 5, 3 },        // a 1x1 box in the corner
        { 9, 300, 2, 7, 7, 293, 1, 17 },       // width-1 output, tall
        { 64, 64, 3, 5, 57, 59, 31, 33 },      // odd sizes
    };

    [Theory, MemberData(nameof(ResizeCases))]
    public void ResizeEqualsTheScalarFormula(int w, int h, int bx, int by, int bw, int bh, int ow, int oh)
    {
        var image = RandomImage(new Random(w * 31 + h), w, h);
        var box = new CropBox(bx, by, bw, bh);
        var got = BicubicResampler.ResizeCrop(image, box, ow, oh);
        var want = ScalarResize(image, box, ow, oh);
        Assert.Equal(want, got.Pixels);
    }

    [Theory]
    [InlineData(37, 29, 0.1)]
    [InlineData(224, 224, 1.3)]
    [InlineData(1, 17, 2.0)]
    [InlineData(96, 5, 0.7)]
    public void BlurEqualsTheScalarFormula(int w, int h, double sigma)
    {
        var image = RandomImage(new Random(w + h), w, h);
        Assert.Equal(ScalarBlur(image, sigma), GaussianBlur.Blur(image, sigma).Pixels);
    }

    [Theory]
    [InlineData(37, 29, 1.17)]
    [InlineData(5, 1, 0.8)]
    [InlineData(64, 64, 0.0)]
    [InlineData(31, 7, 1.99)]
    public void SaturationEqualsTheScalarBlend(int w, int h, double factor)
    {
        var image = RandomImage(new Random(w * 7 + h), w, h);
        var px = image.Pixels;
        var want = new byte[px.Length];
        for (int i = 0; i < px.Length; i++)
        {
            byte l = PilColor.Luma(px[i / 3 * 3], px[i / 3 * 3 + 1], px[i / 3 * 3 + 2]);
            want[i] = PilColor.Blend(l, px[i], factor);
        }
        Assert.Equal(want, PilColor.AdjustSaturation(image, factor).Pixels);
    }

    private static RgbImage RandomImage(Random rng, int w, int h)
    {
        var pixels = new byte[w * h * 3];
        rng.NextBytes(pixels);
        return new RgbImage(w, h, pixels);
    }

    // ---- oracles: one output value at a time ----

    private static byte[] ScalarResize(RgbImage src, CropBox box, int ow, int oh)
    {
        var (xs, xc, xw) = Coefficients(box.Width, ow);
        var (ys, yc, yw) = Coefficients(box.Height, oh);
        var mid = new byte[box.Height * ow * 3];
        for (int y = 0; y < box.Height; y++)
            for (int ox = 0; ox < ow; ox++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0;
                    for (int k = 0; k < xc[ox]; k++) v += xw[ox][k] * src.Pixels[((box.Y + y) * src.Width + box.X + xs[ox] + k) * 3 + c];
                    mid[(y * ow + ox) * 3 + c] = BicubicResampler.Clip8(v);
                }
        var dst = new byte[oh * ow * 3];
        for (int oy = 0; oy < oh; oy++)
            for (int i = 0; i < ow * 3; i++)
            {
                double v = 0;
                for (int k = 0; k < yc[oy]; k++) v += yw[oy][k] * mid[(ys[oy] + k) * ow * 3 + i];
                dst[oy * ow * 3 + i] = BicubicResampler.Clip8(v);
            }
        return dst;
    }

    private static (int[] Start, int[] Count, double[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0), support = 2.0 * filterScale;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new double[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0), n = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var wk = Enumerable.Range(0, n).Select(k => BicubicResampler.Kernel((k + xmin - center + 0.5) / filterScale)).ToArray();
            double sum = wk.Sum();
            if (sum != 0) for (int k = 0; k < n; k++) wk[k] /= sum;
            (start[o], count[o], weights[o]) = (xmin, n, wk);
        }
        return (start, count, weights);
    }

    // Pillow's extended box blur: three passes along x, then three along y, each rounded to 8 bits.
    private static byte[] ScalarBlur(RgbImage image, double sigma)
    {
        float radius = GaussianBlur.BoxRadius(sigma, 3);
        int w = image.Width, h = image.Height;
        var a = (byte[])image.Pixels.Clone();
        for (int pass = 0; pass < 3; pass++) a = Box(a, w, h, radius, alongX: true);
        for (int pass = 0; pass < 3; pass++) a = Box(a, w, h, radius, alongX: false);
        return a;
    }

    private static byte[] Box(byte[] src, int w, int h, float radius, bool alongX)
    {
        int r = (int)radius, n = alongX ? w : h;
        uint ww = (uint)((1 << 24) / (radius * 2 + 1)), fw = ((1u << 24) - (uint)(r * 2 + 1) * ww) / 2;
        var dst = new byte[src.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    int at = alongX ? x : y;
                    byte Px(int i) { i = Math.Clamp(i, 0, n - 1); return src[((alongX ? y : i) * w + (alongX ? i : x)) * 3 + c]; }
                    uint sum = 0;
                    for (int k = -r; k <= r; k++) sum += Px(at + k);
                    dst[(y * w + x) * 3 + c] = (byte)((sum * ww + (uint)(Px(at - r - 1) + Px(at + r + 1)) * fw + (1u << 23)) >> 24);
                }
        return dst;
    }
}
