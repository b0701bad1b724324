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
        byte[] src = source.Pixels;
        for (int y = 0; y < box.Height; y++)
        {
            int rowBase = ((box.Y + y) * source.Width + box.X) * 3;
            for (int ox = 0; ox < outWidth; ox++)
            {
                double r = 0, g = 0, b = 0;
                int s0 = xStart[ox];
                for (int k = 0; k < xCount[ox]; k++)
                {
                    double wgt = xWeights[ox * xTaps + k];
                    int p = rowBase + (s0 + k) * 3;
                    r += wgt * src[p]; g += wgt * src[p + 1]; b += wgt * src[p + 2];
                }
                int o = (y * outWidth + ox) * 3;
                mid[o] = Clip8(r); mid[o + 1] = Clip8(g); mid[o + 2] = Clip8(b);
            }
        }

        var dst = new byte[outHeight * outWidth * 3];
        for (int oy = 0; oy < outHeight; oy++)
        {
            int s0 = yStart[oy];
            for (int ox = 0; ox < outWidth; ox++)
            {
                double r = 0, g = 0, b = 0;
                for (int k = 0; k < yCount[oy]; k++)
                {
                    double wgt = yWeights[oy * yTaps + k];
                    int p = ((s0 + k) * outWidth + ox) * 3;
                    r += wgt * mid[p]; g += wgt * mid[p + 1]; b += wgt * mid[p + 2];
                }
                int o = (oy * outWidth + ox) * 3;
                dst[o] = Clip8(r); dst[o + 1] = Clip8(g); dst[o + 2] = Clip8(b);
            }
        }
        return new RgbImage(outWidth, outHeight, dst);
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

    internal static byte Clip8(double v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)Math.Round(v, MidpointRounding.AwayFromZero);
}
