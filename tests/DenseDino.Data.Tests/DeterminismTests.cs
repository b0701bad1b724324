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

public class CollateTests
{
    [Fact]
    public void CollateStacksViewsAndPointsPerView()
    {
        var crop = new DenseDinoMultiCrop(viewCount: 3, size: 8, numReference: 2);
        var samples = Enumerable.Range(0, 4).Select(i => crop.Apply(TestData.RandomImage(40, 30, i), new SampleRng((ulong)i), label: i)).ToList();
        MultiCropBatch batch = MultiCropBatch.Collate(samples);
        Assert.Equal([0, 1, 2, 3], batch.Labels);
        Assert.Equal(3, batch.Views.Length);
        Assert.Equal(4 * 3 * 8 * 8, batch.Views[2].Length);
        Assert.Equal(samples[3].Views[2], batch.Views[2][(3 * 3 * 8 * 8)..]);
        // stu_pos[v][b, iq, m, :] and tea_pos[iq][b, v, m, :]
        Assert.Equal(samples[2].StudentPoint(1, 0, 1).X, batch.StudentPoints[1][((2 * 2 + 0) * 2 + 1) * 2]);
        Assert.Equal(samples[2].TeacherPoint(1, 2, 0).Y, batch.TeacherPoints[1][((2 * 3 + 2) * 2 + 0) * 2 + 1]);
        var other = new DenseDinoMultiCrop(viewCount: 4, size: 8).Apply(TestData.RandomImage(40, 30, 9), new SampleRng(9));
        var e = Assert.Throws<ArgumentException>(() => MultiCropBatch.Collate([samples[0], other]));
        Assert.Contains("sample 1 has 4 views", e.Message);
    }

    /// <summary>Pixel views are the float views before ToTensor + Normalize: same random draws, same points, same values.</summary>
    [Fact]
    public void PixelViewsAreTheFloatViewsBeforeConversion()
    {
        var floats = new DenseDinoMultiCrop(viewCount: 4, size: 13, numReference: 3);
        var bytes = new DenseDinoMultiCrop(viewCount: 4, size: 13, numReference: 3) { PixelViews = true };
        var image = TestData.RandomImage(41, 29, 5);
        MultiCropSample f = floats.Apply(image, new SampleRng(7), label: 2), p = bytes.Apply(image, new SampleRng(7), label: 2);
        Assert.Null(f.ViewPixels);
        Assert.Empty(p.Views);
        Assert.Equal(4, p.ViewCount);
        Assert.Equal(f.StudentPoints, p.StudentPoints);
        Assert.Equal(f.TeacherPoints, p.TeacherPoints);
        Assert.Equal(f.Flipped, p.Flipped);
        for (int v = 0; v < 4; v++)
            Assert.Equal(f.Views[v], TensorConversion.ToChw(new RgbImage(13, 13, p.ViewPixels![v])));
        // The table a backend converts with is ToChw's, value for value.
        float[] table = TensorConversion.NormalizationTable();
        var grey = new RgbImage(256, 1, [.. Enumerable.Range(0, 256).SelectMany(b => new[] { (byte)b, (byte)b, (byte)b })]);
        Assert.Equal(table, TensorConversion.ToChw(grey));
        // Collating pixel samples as floats is refused with the way out.
        var e = Assert.Throws<ArgumentException>(() => MultiCropBatch.Collate([p]));
        Assert.Contains("stackViews: false", e.Message);
        Assert.Equal(4, MultiCropBatch.Collate([p], stackViews: false).ViewCount);
    }
}
