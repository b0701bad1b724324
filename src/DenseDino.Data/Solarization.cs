namespace DenseDino.Data;

/// <summary>DINO's Solarization: with probability p, Pillow's ImageOps.solarize (invert values >= threshold).</summary>
public sealed class Solarization(double probability = 0.2, int threshold = 128)
{
    public double Probability { get; } = probability;
    public int Threshold { get; } = threshold;

    public RgbImage Apply(RgbImage image, SampleRng rng) =>
        rng.Bernoulli(Probability) ? Solarize(image, Threshold) : image;

    public static RgbImage Solarize(RgbImage image, int threshold)
    {
        byte[] src = image.Pixels;
        var dst = new byte[src.Length];
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] >= threshold ? (byte)(255 - src[i]) : src[i];
        return new RgbImage(image.Width, image.Height, dst);
    }
}
