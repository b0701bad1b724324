namespace DenseDino.Eval.Tests;

/// <summary>Runs on the real shared datasets when ../shared is present; skips (with the reason) in CI.</summary>
public class SharedDataSmokeTests
{
    private static string MsrcOrSkip()
    {
        string? data = TestUtil.SharedData();
        string? msrc = data is null ? null : Path.Combine(data, "msrc-v2");
        if (msrc is null || !Directory.Exists(msrc))
            Assert.Skip("../shared/data/msrc-v2 not found next to the repository (CI has no shared data)");
        return msrc;
    }

    [Fact]
    public void MsrcProbeRunsEndToEnd()
    {
        string msrc = MsrcOrSkip();
        var train = SegmentationDataset.Msrc(msrc, "train").Take(4);
        var val = SegmentationDataset.Msrc(msrc, "val").Take(3);
        Assert.Equal(23, train.Classes.Count);
        string dir = TestUtil.TempDir();
        var vit = new DenseDino.Nn.VisionTransformer(TestUtil.Cpu, new DenseDino.Nn.VitConfig(ImgSize: 64, PatchSize: 16, Dim: 16, Depth: 1, Heads: 2), 1);
        var result = SegmentationProbe.Run(vit, train, val, new SegProbeOptions(
            new ProbeTraining(Epochs: 2, LearningRate: 0.05f, BatchSize: 2),
            OutJson: Path.Combine(dir, "probe.json"), ConfusionPng: Path.Combine(dir, "cm.png")));
        Assert.InRange(result.MeanIoU, 0, 1);
        Assert.Equal(23, result.PerClass.Count);
        Assert.Equal(2, result.EpochLosses.Count);
        Assert.True(result.Confusion.Sum(r => r.Sum()) > 0);
        Assert.Contains("\"meanIoU\"", File.ReadAllText(Path.Combine(dir, "probe.json")));
        Assert.True(File.Exists(Path.Combine(dir, "cm.png")));
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToTable());

        var (image, _) = val.Load(0);
        var paths = AttentionMaps.Write(AttentionMaps.Compute(vit, image), Path.Combine(dir, "attn"));
        Assert.Equal(4, paths.Count);
    }
}
