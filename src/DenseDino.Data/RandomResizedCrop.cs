namespace DenseDino.Data;

/// <summary>
/// torchvision's RandomResizedCrop: area scale uniform in [MinScale, MaxScale], aspect ratio
/// log-uniform in [MinRatio, MaxRatio], 10 attempts, then the central crop clamped to the
/// ratio range. Sizes use Python's round (half to even). The crop is resized with
/// <see cref="BicubicResampler"/> (Pillow bicubic).
/// </summary>
public sealed class RandomResizedCrop
{
    public int Size { get; }
    public double MinScale { get; }
    public double MaxScale { get; }
    public double MinRatio { get; }
    public double MaxRatio { get; }

    public RandomResizedCrop(int size, double minScale, double maxScale, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "RandomResizedCrop: size must be positive");
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(minScale), $"RandomResizedCrop: scale ({minScale}, {maxScale}) must satisfy 0 < min <= max <= 1");
        if (!(minRatio > 0 && minRatio <= maxRatio))
            throw new ArgumentOutOfRangeException(nameof(minRatio), $"RandomResizedCrop: ratio ({minRatio}, {maxRatio}) must satisfy 0 < min <= max");
        Size = size;
        MinScale = minScale;
        MaxScale = maxScale;
        MinRatio = minRatio;
        MaxRatio = maxRatio;
    }

    /// <summary>torchvision's get_params: a crop box inside a width x height image.</summary>
    public CropBox SampleBox(int width, int height, SampleRng rng)
    {
        double area = (double)width * height;
        double logMin = Math.Log(MinRatio), logMax = Math.Log(MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * rng.Uniform(MinScale, MaxScale);
            double aspect = Math.Exp(rng.Uniform(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = rng.NextInt(height - h + 1);
                int left = rng.NextInt(width - w + 1);
                return new CropBox(left, top, w, h);
            }
        }
        // Fallback: central crop with the ratio clamped into range.
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < MinRatio) { cw = width; ch = (int)Math.Round(cw / MinRatio, MidpointRounding.ToEven); }
        else if (inRatio > MaxRatio) { ch = height; cw = (int)Math.Round(ch * MaxRatio, MidpointRounding.ToEven); }
        else { cw = width; ch = height; }
        return new CropBox((width - cw) / 2, (height - ch) / 2, cw, ch);
    }

    public RgbImage Apply(RgbImage image, CropBox box) => BicubicResampler.ResizeCrop(image, box, Size, Size);
}
