using StbImageWriteSharp;

namespace DenseDino.Eval.Tests;

public class SegmentationDatasetTests
{
    private static void WriteMask(string path, int w, int h, byte value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var s = File.Create(path);
        new ImageWriter().WritePng(Enumerable.Repeat(value, w * h).ToArray(), w, h, ColorComponents.Grey, s);
    }

    private static string MsrcLayout(int maskWidth, byte maskValue = 1)
    {
        string root = TestUtil.TempDir();
        File.WriteAllLines(Path.Combine(root, "classes.txt"), ["a", "b", "c"]);
        File.WriteAllLines(Path.Combine(root, "train.txt"), ["x_1", "x_2"]);
        foreach (string id in new[] { "x_1", "x_2" })
        {
            Directory.CreateDirectory(Path.Combine(root, "images"));
            using (var s = File.Create(Path.Combine(root, "images", id + ".jpg")))
                new ImageWriter().WriteJpg(TestUtil.RandomImage(24, 16, 1).Pixels, 24, 16, ColorComponents.RedGreenBlue, s, 90);
            WriteMask(Path.Combine(root, "masks", id + ".png"), id == "x_2" ? maskWidth : 24, 16, maskValue);
        }
        return root;
    }

    [Fact]
    public void MsrcLayoutLoadsAndNamesAMaskOfTheWrongSize()
    {
        string root = MsrcLayout(maskWidth: 20);
        var ds = SegmentationDataset.Open(root, "train");
        Assert.Equal(["a", "b", "c"], ds.Classes);
        Assert.Equal(2, ds.Count);
        var (image, mask) = ds.Load(0);
        Assert.Equal((24, 16, 24, 16), (image.Width, image.Height, mask.Width, mask.Height));
        Assert.All(mask.Labels, v => Assert.Equal(1, v));
        var e = Assert.Throws<InvalidDataException>(() => ds.Load(1));
        Assert.Contains(Path.Combine(root, "masks", "x_2.png"), e.Message);
        Assert.Contains("20x16", e.Message);
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRejected()
    {
        var ds = SegmentationDataset.Msrc(MsrcLayout(24, maskValue: 7), "train");
        Assert.Contains("label 7", Assert.Throws<InvalidDataException>(() => ds.Load(0)).Message);
        Assert.Equal(24, SegmentationDataset.Msrc(MsrcLayout(24, maskValue: 255), "train").Load(0).Mask.Width);
    }

    [Fact]
    public void CamVidLayoutPairsImagesAndMasksByName()
    {
        string root = TestUtil.TempDir();
        File.WriteAllLines(Path.Combine(root, "classes.txt"), ["sky", "road"]);
        foreach (string id in new[] { "b_2", "a_1" })
        {
            PngWriter.Write(Path.Combine(root, "val", "images", id + ".png"), TestUtil.RandomImage(8, 8, 0));
            WriteMask(Path.Combine(root, "val", "masks", id + ".png"), 8, 8, 0);
        }
        var ds = SegmentationDataset.Open(root, "val");
        Assert.Equal(["a_1", "b_2"], ds.Samples.Select(s => s.Id));
        Assert.Equal(8, ds.Load(1).Mask.Height);
        File.Delete(Path.Combine(root, "val", "masks", "a_1.png"));
        Assert.Contains("a_1.png", Assert.Throws<FileNotFoundException>(() => SegmentationDataset.CamVid(root, "val")).Message);
    }
}
