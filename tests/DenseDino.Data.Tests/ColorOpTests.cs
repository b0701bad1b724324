using DenseDino.Data;

namespace DenseDino.Data.Tests;

// Expected values are hand-computed from Pillow's formulas, which torchvision calls for PIL images.
public class ColorOpTests
{
    private static RgbImage Pixels(params byte[] rgb) => new(rgb.Length / 3, 1, rgb);

    [Fact]
    public void BrightnessScalesClipsAndTruncates()
    {
        Assert.Equal([150, 255, 75], PilColor.AdjustBrightness(Pixels(100, 200, 50), 1.5).Pixels);
        // 101 * 0.7 = 70.7 truncates to 70, as Pillow's blend does.
        Assert.Equal([70, 0, 178], PilColor.AdjustBrightness(Pixels(101, 0, 255), 0.7).Pixels);
    }

    [Fact]
    public void GrayscaleUsesItu601Luma()
    {
        RgbImage g = PilColor.ToGrayscale(Pixels(255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30));
        // 0.299 * 255 = 76.2, 0.587 * 255 = 149.7, 0.114 * 255 = 29.1, 0.299*10 + 0.587*20 + 0.114*30 = 18.15
        Assert.Equal([76, 76, 76, 150, 150, 150, 29, 29, 29, 18, 18, 18], g.Pixels);
    }

    [Fact]
    public void ContrastBlendsWithRoundedMeanLuma()
    {
        // Mean luma (0 + 255) / 2 = 127.5 rounds to 128; 128 + 0.5 (255 - 128) = 191.5 truncates to 191.
        Assert.Equal([64, 64, 64, 191, 191, 191], PilColor.AdjustContrast(Pixels(0, 0, 0, 255, 255, 255), 0.5).Pixels);
    }

    [Fact]
    public void SaturationZeroIsGrayscale()
    {
        RgbImage image = Pixels(200, 40, 90, 3, 250, 17);
        Assert.Equal(PilColor.ToGrayscale(image).Pixels, PilColor.AdjustSaturation(image, 0).Pixels);
        Assert.Equal(image.Pixels, PilColor.AdjustSaturation(image, 1).Pixels);
    }

    [Fact]
    public void HueShiftRotatesPrimaries()
    {
        // uint8(1/3 * 255) = 85 moves red's H = 0 to 85, which is 120 degrees: green.
        Assert.Equal([0, 255, 0], PilColor.AdjustHue(Pixels(255, 0, 0), 1.0 / 3).Pixels);
        // A negative factor wraps: uint8(-85) = 171, H 171 * 6 / 255 = 4.02 lands just past blue; Pillow's t = 255 * 0.0235 = 6.
        Assert.Equal([6, 0, 255], PilColor.AdjustHue(Pixels(255, 0, 0), -1.0 / 3).Pixels);
        Assert.Equal([90, 90, 90], PilColor.AdjustHue(Pixels(90, 90, 90), 0.25).Pixels);
    }

    [Fact]
    public void SolarizeInvertsAtOrAboveThreshold()
    {
        Assert.Equal([100, 127, 127], Solarization.Solarize(new RgbImage(1, 1, [100, 127, 128]), 128).Pixels);
        Assert.Equal([55, 0, 0], Solarization.Solarize(new RgbImage(1, 1, [200, 255, 0]), 128).Pixels);
    }

    [Fact]
    public void NormalizeMatchesTorchvision()
    {
        float[] chw = TensorConversion.ToChw(new RgbImage(1, 1, [255, 0, 128]));
        Assert.Equal((1f - 0.485f) / 0.229f, chw[0], 6);
        Assert.Equal((0f - 0.456f) / 0.224f, chw[1], 6);
        Assert.Equal((128f / 255f - 0.406f) / 0.225f, chw[2], 6);
    }

    /// <summary>
    /// The eight-byte blend (brightness, contrast, saturation) gives the scalar Blend's byte for every value
    /// and every constant degenerate, and for a per-byte degenerate (saturation's grey), at factors that clip
    /// at 0 and 255 and at ones that truncate.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.6)]
    [InlineData(1.37)]
    [InlineData(1.4)]
    public void VectorBlendEqualsScalarBlend(double factor)
    {
        var values = Enumerable.Range(0, 3 * 257).Select(i => (byte)(i * 7 % 256)).ToArray();   // 257 pixels: a vector tail too
        var image = new RgbImage(257, 1, values);
        for (int c = 0; c < 256; c++)
        {
            var blended = PilColor.BlendWith(image, null, (byte)c, factor).Pixels;
            for (int i = 0; i < values.Length; i++)
                if (blended[i] != PilColor.Blend((byte)c, values[i], factor))
                    Assert.Fail($"degenerate {c}, value {values[i]}, factor {factor}: vector {blended[i]}, scalar {PilColor.Blend((byte)c, values[i], factor)}");
        }
        var grey = new byte[values.Length];
        new Random(3).NextBytes(grey);
        var perByte = PilColor.BlendWith(image, grey, 0, factor).Pixels;
        Assert.Equal(values.Select((v, i) => PilColor.Blend(grey[i], v, factor)), perByte);
    }

    /// <summary>Greyscale (and saturation's grey) and contrast's luma sum, eight pixels per step, equal the scalar Luma for all 2^24 colours.</summary>
    [Fact]
    public void VectorLumaEqualsScalarForEveryColour()
    {
        var image = new RgbImage(4096, 4096, EveryColour());
        var grey = PilColor.ToGrayscale(image).Pixels;
        long sum = 0;
        for (int c = 0; c < 1 << 24; c++)
        {
            byte l = PilColor.Luma((byte)(c >> 16), (byte)(c >> 8), (byte)c);
            sum += l;
            if (grey[3 * c] != l || grey[3 * c + 1] != l || grey[3 * c + 2] != l)
                Assert.Fail($"rgb({c >> 16}, {(c >> 8) & 255}, {c & 255}): vector grey {grey[3 * c]}, scalar luma {l}");
        }
        Assert.Equal(sum, PilColor.LumaSum(image.Pixels));
    }

    /// <summary>Widths around the eight-pixel step for greyscale and the luma sum: vector part and scalar tail meet exactly.</summary>
    [Fact]
    public void VectorLumaHandlesEveryWidth()
    {
        var rng = new Random(12);
        for (int width = 1; width <= 27; width++)
        {
            var pixels = new byte[width * 3];
            rng.NextBytes(pixels);
            var expected = Enumerable.Range(0, width).Select(i => PilColor.Luma(pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2])).ToArray();
            Assert.Equal(expected.SelectMany(l => new[] { l, l, l }), PilColor.ToGrayscale(new RgbImage(width, 1, pixels)).Pixels);
            Assert.Equal(expected.Sum(l => (long)l), PilColor.LumaSum(pixels));
        }
    }

    private static byte[] EveryColour()
    {
        var every = new byte[3 << 24];
        for (int c = 0; c < 1 << 24; c++)
        {
            every[3 * c] = (byte)(c >> 16);
            every[3 * c + 1] = (byte)(c >> 8);
            every[3 * c + 2] = (byte)c;
        }
        return every;
    }

    /// <summary>The eight-pixel AVX2 hue shift gives the scalar reference's bytes for all 2^24 colours (one image holds them all).</summary>
    [Theory]
    [InlineData(0.1)]
    [InlineData(-0.5)]
    [InlineData(0.37)]
    public void VectorHueEqualsScalarForEveryColour(double factor)
    {
        Assert.SkipUnless(VectorHue.IsSupported, "no AVX2 on this CPU: the scalar path is the only one");
        var every = EveryColour();
        var image = new RgbImage(4096, 4096, every);
        var expected = PilColor.AdjustHue(image, factor, vectorised: false).Pixels;
        var actual = PilColor.AdjustHue(image, factor, vectorised: true).Pixels;
        for (int i = 0; i < expected.Length; i++)
            if (actual[i] != expected[i])
                Assert.Fail($"pixel rgb({every[i / 3 * 3]}, {every[i / 3 * 3 + 1]}, {every[i / 3 * 3 + 2]}) channel {i % 3}: vector {actual[i]}, scalar {expected[i]}");
    }

    /// <summary>Widths around the eight-pixel step: the vector part and the scalar tail meet without a gap or overlap.</summary>
    [Fact]
    public void VectorHueHandlesEveryWidth()
    {
        var rng = new Random(9);
        for (int width = 1; width <= 27; width++)
        {
            var pixels = new byte[width * 2 * 3];
            rng.NextBytes(pixels);
            var image = new RgbImage(width, 2, pixels);
            Assert.Equal(PilColor.AdjustHue(image, -0.23, vectorised: false).Pixels, PilColor.AdjustHue(image, -0.23).Pixels);
        }
    }

    /// <summary>To-CHW eight pixels per step gives the direct formula's floats for every byte in every channel, vector part and tail.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ToChwEqualsTheDirectFormulaForEveryByte(bool normalize)
    {
        foreach (int width in new[] { 1, 7, 8, 9, 257 })
        {
            var values = Enumerable.Range(0, 3 * width).Select(i => (byte)(i * 7 % 256)).ToArray();
            float[] chw = TensorConversion.ToChw(new RgbImage(width, 1, values), normalize);
            for (int c = 0; c < 3; c++)
                for (int x = 0; x < width; x++)
                {
                    float mean = normalize ? TensorConversion.ImageNetMean[c] : 0f, std = normalize ? TensorConversion.ImageNetStd[c] : 1f;
                    float expected = (values[3 * x + c] / 255f - mean) / std;
                    if (BitConverter.SingleToInt32Bits(chw[c * width + x]) != BitConverter.SingleToInt32Bits(expected))
                        Assert.Fail($"width {width}, channel {c}, x {x}, byte {values[3 * x + c]}: {chw[c * width + x]:R}, expected {expected:R}");
                }
        }
    }

    /// <summary>The flip moves whole pixels: column x to W − 1 − x, channels in order, on odd and even widths.</summary>
    [Fact]
    public void FlipMirrorsEveryRow()
    {
        var rng = new Random(21);
        foreach (var (w, h) in new[] { (1, 1), (2, 3), (7, 2), (16, 5) })
        {
            var pixels = new byte[w * h * 3];
            rng.NextBytes(pixels);
            var flipped = HorizontalFlip.Apply(new RgbImage(w, h, pixels)).Pixels;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < 3; c++)
                        Assert.Equal(pixels[(y * w + x) * 3 + c], flipped[(y * w + w - 1 - x) * 3 + c]);
        }
    }

    /// <summary>The table-driven rgb2hsv equals Pillow's arithmetic (the direct formula, kept here) for all 2^24 colours.</summary>
    [Fact]
    public void RgbToHsvEqualsPillowsArithmeticForEveryColour()
    {
        Parallel.For(0, 256, r =>
        {
            for (int g = 0; g < 256; g++)
                for (int b = 0; b < 256; b++)
                {
                    var expected = DirectRgbToHsv((byte)r, (byte)g, (byte)b);
                    var actual = PilColor.RgbToHsv((byte)r, (byte)g, (byte)b);
                    if (expected != actual) Assert.Fail($"rgb ({r}, {g}, {b}): hsv {actual}, Pillow's arithmetic {expected}");
                }
        });
    }

    private static (byte H, byte S, byte V) DirectRgbToHsv(byte r, byte g, byte b)
    {
        byte maxc = Math.Max(r, Math.Max(g, b));
        byte minc = Math.Min(r, Math.Min(g, b));
        if (maxc == minc) return (0, 0, maxc);
        float cr = maxc - minc;
        float s = cr / maxc;
        float rc = (maxc - r) / cr, gc = (maxc - g) / cr, bc = (maxc - b) / cr;
        float h = r == maxc ? bc - gc : g == maxc ? (float)(2.0 + rc - bc) : (float)(4.0 + gc - rc);
        double wrapped = h / 6.0 + 1.0;
        h = (float)(wrapped >= 1.0 ? wrapped - 1.0 : wrapped);
        static byte Clip(double v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)v;
        return (Clip(h * 255.0), Clip(s * 255.0), maxc);
    }

    /// <summary>The table-driven hsv2rgb equals Pillow's arithmetic (the direct formula, kept here) for all 2^24 (h, s, v).</summary>
    [Fact]
    public void HsvToRgbEqualsPillowsArithmeticForEveryTriple()
    {
        Parallel.For(0, 256, h =>
        {
            for (int sat = 0; sat < 256; sat++)
                for (int v = 0; v < 256; v++)
                {
                    var expected = DirectHsvToRgb((byte)h, (byte)sat, (byte)v);
                    var actual = PilColor.HsvToRgb((byte)h, (byte)sat, (byte)v);
                    if (expected != actual) Assert.Fail($"hsv ({h}, {sat}, {v}): rgb {actual}, Pillow's arithmetic {expected}");
                }
        });
    }

    private static (byte R, byte G, byte B) DirectHsvToRgb(byte hIn, byte sIn, byte vIn)
    {
        if (sIn == 0) return (vIn, vIn, vIn);
        int i = (int)Math.Floor((float)hIn * 6.0 / 255.0);
        float f = (float)((float)hIn * 6.0 / 255.0 - i);
        float fs = (float)(sIn / 255.0);
        static byte Round(double x) { int r = (int)(x + 0.5); return r >= 255 ? (byte)255 : (byte)r; }
        byte p = Round(vIn * (1.0 - fs)), q = Round(vIn * (1.0 - fs * f)), t = Round(vIn * (1.0 - fs * (1.0 - f))), v = vIn;
        return (i % 6) switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ToChwEqualsTheDirectFormulaBitForBit(bool normalize)
    {
        const int w = 7, h = 5;
        var px = new byte[w * h * 3];
        new Random(3).NextBytes(px);
        float[] chw = TensorConversion.ToChw(new RgbImage(w, h, px), normalize);
        Assert.Equal(3 * w * h, chw.Length);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < w * h; i++)
            {
                float mean = normalize ? TensorConversion.ImageNetMean[c] : 0f, std = normalize ? TensorConversion.ImageNetStd[c] : 1f;
                Assert.Equal((px[i * 3 + c] / 255f - mean) / std, chw[c * w * h + i]);
            }
    }

    [Fact]
    public void BlurKeepsConstantImagesAndSmoothsAnEdge()
    {
        var flat = new RgbImage(9, 7, Enumerable.Repeat((byte)77, 9 * 7 * 3).ToArray());
        Assert.Equal(flat.Pixels, GaussianBlur.Blur(flat, 1.7).Pixels);
        var step = new RgbImage(20, 1, Enumerable.Range(0, 60).Select(i => (byte)(i / 3 < 10 ? 0 : 255)).ToArray());
        RgbImage blurred = GaussianBlur.Blur(step, 2.0);
        Assert.InRange(blurred[9, 0, 0], 60, 127);
        Assert.InRange(blurred[10, 0, 0], 128, 195);
        Assert.Equal(0, blurred[0, 0, 0]);
        // Pillow's box radius for sigma 2, 3 passes: sigma^2/3 = 4/3, L = sqrt(17), l = 1, a = 3 (2 - 4) / (6 (4/3 - 4)) = 0.375
        Assert.Equal(1.375, GaussianBlur.BoxRadius(2.0, 3), 5);
    }
}
