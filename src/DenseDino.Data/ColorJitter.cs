namespace DenseDino.Data;

/// <summary>
/// torchvision's ColorJitter inside RandomApply(p): factors brightness, contrast and
/// saturation uniform in [1 - x, 1 + x], hue uniform in [-x, x], applied in a random order.
/// </summary>
public sealed class ColorJitter(double brightness = 0.4, double contrast = 0.4, double saturation = 0.2, double hue = 0.1, double probability = 0.8)
{
    public double Brightness { get; } = brightness;
    public double Contrast { get; } = contrast;
    public double Saturation { get; } = saturation;
    public double Hue { get; } = hue;
    public double Probability { get; } = probability;

    public RgbImage Apply(RgbImage image, SampleRng rng)
    {
        if (!rng.Bernoulli(Probability)) return image;
        // Same draw order as torchvision's get_params: permutation, then the four factors.
        int[] order = rng.Permutation(4);
        double b = rng.Uniform(Math.Max(0, 1 - Brightness), 1 + Brightness);
        double c = rng.Uniform(Math.Max(0, 1 - Contrast), 1 + Contrast);
        double s = rng.Uniform(Math.Max(0, 1 - Saturation), 1 + Saturation);
        double h = rng.Uniform(-Hue, Hue);
        foreach (int op in order)
        {
            image = op switch
            {
                0 => PilColor.AdjustBrightness(image, b),
                1 => PilColor.AdjustContrast(image, c),
                2 => PilColor.AdjustSaturation(image, s),
                _ => PilColor.AdjustHue(image, h),
            };
        }
        return image;
    }
}
