using DenseDino.Data;
using StbImageWriteSharp;

namespace DenseDino.Data.Tests;

public class DecodeTests
{
    private static byte[] Png(byte[] pixels, int w, int h, ColorComponents comp)
    {
        using var ms = new MemoryStream();
        new ImageWriter().WritePng(pixels, w, h, comp, ms);
        return ms.ToArray();
    }

    [Fact]
    public void GreyscalePngExpandsToRgb()
    {
        byte[] grey = [0, 50, 100, 150, 200, 250];
        RgbImage image = ImageDecoder.Decode(Png(grey, 3, 2, ColorComponents.Grey), "grey.png");
        Assert.Equal((3, 2), (image.Width, image.Height));
        for (int i = 0; i < 6; i++)
            for (int c = 0; c < 3; c++) Assert.Equal(grey[i], image.Pixels[i * 3 + c]);
    }

    [Fact]
    public void RgbaPngDropsAlpha()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 255];
        RgbImage image = ImageDecoder.Decode(Png(rgba, 2, 1, ColorComponents.RedGreenBlueAlpha), "rgba.png");
        Assert.Equal([10, 20, 30, 40, 50, 60], image.Pixels);
    }

    [Fact]
    public void AbsurdHeaderDimensionsAreRejectedBeforeDecoding()
    {
        byte[] png = Png(new byte[3 * 4 * 4], 4, 4, ColorComponents.RedGreenBlue);
        // IHDR width/height are big-endian at offsets 16 and 20; stb does not check the CRC.
        // 20000 x 10: small enough for stb's own size check, wider than ImageDecoder.MaxSide.
        png[16] = 0; png[17] = 0; png[18] = 0x4E; png[19] = 0x20;
        png[20] = 0; png[21] = 0; png[22] = 0; png[23] = 10;
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(png, "huge.png"));
        Assert.Contains("huge.png", e.Message);
        Assert.Contains("20000x10", e.Message);
    }

    // Tiny JPEG-looking stubs once made stb's header reader spin forever; each must fail fast.
    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x01, 0x02, 0x03, 0x04, 0x05 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x01, 0x02, 0x03, 0xFF, 0xD9 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xFF, 0xD9 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF })]
    public async Task TinyJpegStubsFailFastWithTheFileName(byte[] bytes)
    {
        var decode = Task.Run(() => Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bytes, "stub.jpg")), TestContext.Current.CancellationToken);
        var error = await decode.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Contains("stub.jpg", error.Message);
    }

    [Fact]
    public void CorruptFilesAreReportedOnceSkippedAndCounted()
    {
        using var dir = new TestData.TempDir();
        string cls = Path.Combine(dir.Path, "a");
        Directory.CreateDirectory(cls);
        byte[] jpeg = File.ReadAllBytes(TestData.FirstSampleJpeg);
        File.WriteAllBytes(Path.Combine(cls, "0good.jpg"), jpeg);
        File.WriteAllBytes(Path.Combine(cls, "1truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllBytes(Path.Combine(cls, "2garbage.PNG"), "this is not a png at all"u8.ToArray());
        File.WriteAllBytes(Path.Combine(cls, "3good.png"), Png(new byte[12], 2, 2, ColorComponents.RedGreenBlue));
        File.WriteAllText(Path.Combine(cls, "notes.txt"), "ignored");

        var warnings = new List<string>();
        var folder = new ImageFolder(dir.Path, warnings.Add);
        Assert.Equal(4, folder.Count);
        for (int pass = 0; pass < 2; pass++)
        {
            var good = folder.ReadAll().ToList();
            Assert.Equal([0, 3], good.Select(g => g.Index));
        }
        Assert.Equal(2, folder.SkippedCount);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("1truncated.jpg") && w.Contains("truncated"));
        Assert.Contains(warnings, w => w.Contains("2garbage.PNG"));
    }

    [Fact]
    public void ClassesComeFromSortedSubfoldersAndFilesFromSortedPaths()
    {
        using var dir = new TestData.TempDir();
        byte[] png = Png(new byte[12], 2, 2, ColorComponents.RedGreenBlue);
        foreach (string rel in new[] { "b/x.png", "a/z.bmp.png", "a/deep/y.png", "B/q.png" })
        {
            string path = Path.Combine(dir.Path, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, png);
        }
        var folder = new ImageFolder(dir.Path);
        Assert.Equal(["B", "a", "b"], folder.Classes);
        Assert.Equal(["B/q.png", "a/deep/y.png", "a/z.bmp.png", "b/x.png"], folder.Entries.Select(e => e.RelativePath));
        Assert.Equal([0, 1, 1, 2], folder.Entries.Select(e => e.Label));
    }

    [Fact]
    public void BundledSampleLoads()
    {
        var train = new ImageFolder(Path.Combine(TestData.SampleRoot, "train"));
        var val = new ImageFolder(Path.Combine(TestData.SampleRoot, "val"));
        Assert.Equal(320, train.Count + val.Count);
        Assert.Equal(10, train.Classes.Count);
        Assert.Equal(train.Classes, val.Classes);
        Assert.Equal(Enumerable.Repeat(24, 10), train.Entries.GroupBy(e => e.Label).Select(g => g.Count()));
        var all = train.ReadAll().Concat(val.ReadAll()).ToList();
        Assert.Equal(320, all.Count);
        Assert.All(all, a => Assert.Equal((96, 96), (a.Image.Width, a.Image.Height)));
        Assert.Equal(0, train.SkippedCount + val.SkippedCount);
    }
}
