namespace DenseDino.Data;

/// <summary>torchvision's RandomGrayscale: with probability p, Pillow luma copied to all three channels.</summary>
public sealed class RandomGrayscale(double probability = 0.2)
{
    public double Probability { get; } = probability;

    public RgbImage Apply(RgbImage image, SampleRng rng) =>
        rng.Bernoulli(Probability) ? PilColor.ToGrayscale(image) : image;
}
