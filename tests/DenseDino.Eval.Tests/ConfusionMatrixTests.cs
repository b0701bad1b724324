namespace DenseDino.Eval.Tests;

public class ConfusionMatrixTests
{
    [Fact]
    public void IoUAndMeanOverPresentClassesIgnoreVoid()
    {
        var cm = new ConfusionMatrix(4);
        cm.Add([0, 0, 1, 1, 255, 2], [0, 1, 1, 1, 0, 1]);
        // counts: (0,0)=1 (0,1)=1 (1,1)=2 (2,1)=1; the void pixel is dropped.
        Assert.Equal(5, cm.Total);
        Assert.Equal(0.5, cm.IoU(0));          // 1 / (1 + 0 + 1)
        Assert.Equal(0.5, cm.IoU(1));          // 2 / (2 + 2 + 0)
        Assert.Equal(0.0, cm.IoU(2));          // 0 / (0 + 0 + 1)
        Assert.True(double.IsNaN(cm.IoU(3)));  // absent: not averaged
        Assert.Equal(1.0 / 3, cm.MeanIoU(), 12);

        // A class 0 pixel predicted as 3: class 3 is now present (predicted only) with IoU 0.
        cm.Add([0], [3]);
        Assert.Equal(1.0 / 3, cm.IoU(0), 12);  // 1 / (1 + 0 + 2)
        Assert.Equal(0.0, cm.IoU(3));          // 0 / (0 + 1 + 0)
        Assert.Equal((1.0 / 3 + 0.5 + 0 + 0) / 4, cm.MeanIoU(), 12);
        Assert.Equal((1.0 / 3 + 0.5 + 0) / 3, cm.MeanIoUOverTruthClasses(), 12);
    }

    [Fact]
    public void PixelAccuracyCountsNonVoidPixels()
    {
        var cm = new ConfusionMatrix(4);
        cm.Add([0, 0, 1, 1, 255, 2], [0, 1, 1, 1, 0, 1]);
        Assert.Equal(0.6, cm.PixelAccuracy(), 12);
    }

    [Fact]
    public void PerfectPredictionHasMeanIoUOne()
    {
        var cm = new ConfusionMatrix(3);
        byte[] truth = [0, 1, 2, 2, 255, 255];
        cm.Add(truth, [0, 1, 2, 2, 1, 0]);
        Assert.Equal(1.0, cm.MeanIoU());
        Assert.Throws<ArgumentException>(() => cm.Add([0], [0, 1]));
        Assert.Throws<ArgumentException>(() => cm.Add([3], [0]));
    }

    [Fact]
    public void ConfusionPngHasOneCellPerClassPair()
    {
        var cm = new ConfusionMatrix(3);
        cm.Add([0, 1, 2], [0, 2, 2]);
        string path = Path.Combine(TestUtil.TempDir(), "cm.png");
        ConfusionMatrixImage.Write(path, cm, cell: 5);
        var img = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(path), StbImageSharp.ColorComponents.RedGreenBlue);
        Assert.Equal((15, 15), (img.Width, img.Height));
        // Row 1 is all prediction 2: cell (1, 2) is the top colour, (1, 1) the bottom one.
        var top = Colormap.Viridis(1);
        int o = ((1 * 5 + 2) * 15 + 2 * 5 + 2) * 3;
        Assert.Equal([top.R, top.G, top.B], img.Data[o..(o + 3)]);
    }
}
