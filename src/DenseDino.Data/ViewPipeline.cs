namespace DenseDino.Data;

/// <summary>
/// The per-view transform of DINO's DataAugmentationDINO after the crop: horizontal flip p=0.5,
/// ColorJitter (p 0.8), RandomGrayscale (p 0.2), GaussianBlur (view 0: p 1.0, view 1: p 0.1,
/// other views: p 0.5), Solarization (view 1 only, p 0.2), ToTensor + Normalize.
/// </summary>
public sealed class ViewPipeline
{
    private readonly ColorJitter _jitter = new();
    private readonly RandomGrayscale _grayscale = new();
    private readonly GaussianBlur _blurFirst = new(1.0);
    private readonly GaussianBlur _blurSecond = new(0.1);
    private readonly GaussianBlur _blurOther = new(0.5);
    private readonly Solarization _solarization = new(0.2);

    /// <summary>False turns off colour jitter, greyscale, blur and solarization (the geometry stays random).</summary>
    public bool Photometric { get; init; } = true;

    /// <summary>False leaves values in [0, 1] instead of ImageNet-normalising them.</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Crops, resizes, maybe flips and colours view <paramref name="viewIndex"/>; returns [3, size, size] and whether it was flipped.</summary>
    public (float[] Chw, bool Flipped) Apply(RgbImage image, CropBox box, int size, int viewIndex, SampleRng rng)
    {
        var (view, flipped) = ApplyPixels(image, box, size, viewIndex, rng);
        return (TensorConversion.ToChw(view, Normalize), flipped);
    }

    /// <summary><see cref="Apply"/> up to, not including, ToTensor + Normalize: the 8-bit view.</summary>
    public (RgbImage View, bool Flipped) ApplyPixels(RgbImage image, CropBox box, int size, int viewIndex, SampleRng rng)
    {
        RgbImage view = BicubicResampler.ResizeCrop(image, box, size, size);
        bool flipped = rng.Bernoulli(0.5);
        if (flipped) view = HorizontalFlip.Apply(view);
        if (Photometric)
        {
            view = _jitter.Apply(view, rng);
            view = _grayscale.Apply(view, rng);
            view = viewIndex switch
            {
                0 => _blurFirst.Apply(view, rng),
                1 => _blurSecond.Apply(view, rng),
                _ => _blurOther.Apply(view, rng),
            };
            if (viewIndex == 1) view = _solarization.Apply(view, rng);
        }
        return (view, flipped);
    }
}
