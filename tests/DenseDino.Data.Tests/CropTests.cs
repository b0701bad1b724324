using DenseDino.Data;

namespace DenseDino.Data.Tests;

public class CropTests
{
    [Fact]
    public void RandomResizedCropStaysInsideAndRespectsScaleAndRatio()
    {
        var crop = new RandomResizedCrop(32, 0.25, 1.0);
        var rng = new SampleRng(7);
        for (int i = 0; i < 2000; i++)
        {
            CropBox b = crop.SampleBox(200, 150, rng);
            Assert.True(b.X >= 0 && b.Y >= 0 && b.Right <= 200 && b.Bottom <= 150, $"{b}");
            double scale = b.Area / (200.0 * 150);
            double ratio = (double)b.Width / b.Height;
            // Rounding w and h to integers moves scale and ratio slightly.
            Assert.InRange(scale, 0.25 * 0.97, 1.0);
            Assert.InRange(ratio, 0.75 * 0.98, 4.0 / 3 * 1.02);
        }
    }

    [Fact]
    public void RandomResizedCropFallsBackToCentralCrop()
    {
        // No 0.9..1 area crop with ratio <= 4/3 fits a 1000 x 10 strip: torchvision's fallback is 13 x 10, centred.
        var box = new RandomResizedCrop(8, 0.9, 1.0).SampleBox(1000, 10, new SampleRng(1));
        Assert.Equal(new CropBox(493, 0, 13, 10), box);
    }

    [Fact]
    public void BicubicResizeIsIdentityAtScaleOneAndKeepsConstants()
    {
        RgbImage image = TestData.RandomImage(13, 9, 3);
        Assert.Equal(image.Pixels, BicubicResampler.Resize(image, 13, 9).Pixels);
        var flat = new RgbImage(40, 30, Enumerable.Repeat((byte)201, 40 * 30 * 3).ToArray());
        Assert.All(BicubicResampler.Resize(flat, 7, 11).Pixels, p => Assert.Equal(201, p));
        Assert.All(BicubicResampler.Resize(flat, 97, 53).Pixels, p => Assert.Equal(201, p));
    }

    [Fact]
    public void CropIntersectionConstraintsHold()
    {
        var crop = new DenseDinoMultiCrop(viewCount: 6, size: 16, minScale: 0.05, maxScale: 0.3, maxResamples: 1000);
        for (int seed = 0; seed < 300; seed++)
        {
            CropBox[] boxes = crop.SampleBoxes(96, 80, SampleRng.ForSample(seed, 0, 0));
            long min = (long)(96 * 80 * 0.01);
            Assert.True(boxes[0].Intersect(boxes[1]).Area > 2 * min, $"seed {seed}: globals {boxes[0]} {boxes[1]}");
            for (int v = 2; v < boxes.Length; v++)
                for (int g = 0; g < 2; g++)
                    Assert.True(boxes[v].Intersect(boxes[g]).Area > min, $"seed {seed}: view {v} {boxes[v]} vs {boxes[g]}");
        }
    }

    [Fact]
    public void FallbackBoxIsUsedWhenTheBoundCannotBeMet()
    {
        // Scale <= 1% of the area can never overlap another crop by more than 2%: every view falls back to global 0.
        var crop = new DenseDinoMultiCrop(viewCount: 3, size: 8, minScale: 0.005, maxScale: 0.01, maxResamples: 5);
        CropBox[] boxes = crop.SampleBoxes(100, 100, new SampleRng(3));
        Assert.Equal(boxes[0], boxes[1]);
        Assert.Equal(boxes[0], boxes[2]);
        Assert.Equal(2, crop.FallbackCount);
    }
}
