using DenseDino.Data;

namespace DenseDino.Data.Tests;

public class DeterminismTests
{
    private static MultiCropSample Make(RgbImage image, long seed, int epoch, long index) =>
        new DenseDinoMultiCrop(viewCount: 4, size: 48).Apply(image, SampleRng.ForSample(seed, epoch, index));

    private static void AssertSame(MultiCropSample a, MultiCropSample b)
    {
        for (int v = 0; v < a.ViewCount; v++) Assert.Equal(a.Views[v], b.Views[v]);
        Assert.Equal(a.StudentPoints, b.StudentPoints);
        Assert.Equal(a.TeacherPoints, b.TeacherPoints);
        Assert.Equal(a.Boxes, b.Boxes);
    }

    [Fact]
    public void SameSeedEpochIndexGivesIdenticalViews()
    {
        RgbImage image = ImageDecoder.Decode(TestData.FirstSampleJpeg);
        AssertSame(Make(image, 5, 2, 17), Make(image, 5, 2, 17));
    }

    [Fact]
    public void AnotherIndexEpochOrSeedGivesOtherViews()
    {
        RgbImage image = ImageDecoder.Decode(TestData.FirstSampleJpeg);
        MultiCropSample a = Make(image, 5, 2, 17);
        Assert.NotEqual(a.Views[0], Make(image, 5, 2, 18).Views[0]);
        Assert.NotEqual(a.Views[0], Make(image, 5, 3, 17).Views[0]);
        Assert.NotEqual(a.Views[0], Make(image, 6, 2, 17).Views[0]);
        Assert.NotEqual(a.StudentPoints, Make(image, 5, 2, 18).StudentPoints);
    }

    [Fact]
    public void RngIsReproducibleAndRoughlyUniform()
    {
        var a = new SampleRng(42);
        var b = new SampleRng(42);
        var counts = new int[10];
        for (int i = 0; i < 10000; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
            counts[a.NextInt(10)]++;
            b.NextInt(10);
        }
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.NotEqual(SampleRng.ForSample(0, 1, 0).NextUInt64(), SampleRng.ForSample(0, 0, 1).NextUInt64());
    }

    [Fact]
    public void DinoMultiCropHasGlobalAndLocalSizes()
    {
        var dino = new DinoMultiCrop(localCount: 3, globalSize: 32, localSize: 12);
        MultiCropSample s = dino.Apply(TestData.RandomImage(60, 50, 2), new SampleRng(1));
        Assert.Equal([32, 32, 12, 12, 12], s.ViewSizes);
        Assert.Equal(3 * 12 * 12, s.Views[4].Length);
        Assert.Equal(0, s.PointCount);
    }
}
