namespace DenseDino.Eval.Tests;

/// <summary>Runs on the real shared datasets when ../shared is present; skips (with the reason) in CI.</summary>
public class SharedDataSmokeTests
{
    private static string DatasetOrSkip(string name)
    {
        string? data = TestUtil.SharedData();
        string? path = data is null ? null : Path.Combine(data, name);
        if (path is null || !Directory.Exists(path))
            Assert.Skip($"../shared/data/{name} not found next to the repository (CI has no shared data)");
        return path;
    }

    private static DenseDino.Nn.VisionTransformer Vit() =>
        new(TestUtil.Cpu, new DenseDino.Nn.VitConfig(ImgSize: 64, PatchSize: 16, Dim: 16, Depth: 1, Heads: 2), 1);

    [Fact]
    public void KnnOnTheImagenetteSample()
    {
        string root = DatasetOrSkip("imagenette-sample");
        var fx = new FeatureExtractor(Vit(), new FeatureOptions(BatchSize: 32, KeepPatches: false));
        string dir = TestUtil.TempDir();
        fx.ExtractFolder(Path.Combine(root, "train")).Save(Path.Combine(dir, "train.npy"));
        var test = fx.ExtractFolder(Path.Combine(root, "val"));
        var train = SavedFeatures.Load(Path.Combine(dir, "train.npy"));
        Assert.Equal(240, train.Count);
        var result = KnnClassifier.Evaluate(train, SavedFeatures.From(test));
        Assert.Equal(80, result.TestCount);
        Assert.Equal(10, result.NumClasses);
        Assert.All(result.Rows, r => Assert.InRange(r.Top1, 0, r.Top5));
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToTable());
    }

    [Fact]
    public void CamVidReadsAndProbes()
    {
        string root = DatasetOrSkip("camvid");
        var train = SegmentationDataset.Open(root, "train").Take(2);
        var val = SegmentationDataset.Open(root, "val").Take(2);
        Assert.Equal(11, train.Classes.Count);
        var result = SegmentationProbe.Run(Vit(), train, val, new SegProbeOptions(new ProbeTraining(Epochs: 1)));
        Assert.Equal(11, result.PerClass.Count);
    }

    [Fact]
    public void MsrcProbeRunsEndToEnd()
    {
        string msrc = DatasetOrSkip("msrc-v2");
        var train = SegmentationDataset.Msrc(msrc, "train").Take(4);
        var val = SegmentationDataset.Msrc(msrc, "val").Take(3);
        Assert.Equal(23, train.Classes.Count);
        string dir = TestUtil.TempDir();
        var vit = Vit();
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

/// <summary>
/// Timing of the full MSRC probe with a random ViT-Tiny/16 (features, training, evaluation):
/// opt-in with DENSEDINO_EVAL_PERF=&lt;train images&gt; (val gets half as many; "all" for the full
/// splits), as the full run takes many minutes on a small shared CPU.
/// </summary>
public class SharedDataPerfTests
{
    [Fact]
    public void FullMsrcProbeTiming()
    {
        string? perf = Environment.GetEnvironmentVariable("DENSEDINO_EVAL_PERF");
        if (string.IsNullOrEmpty(perf))
            Assert.Skip("opt-in timing run: set DENSEDINO_EVAL_PERF=<train images> or all");
        int count = perf == "all" ? int.MaxValue : int.Parse(perf, System.Globalization.CultureInfo.InvariantCulture);
        string? data = TestUtil.SharedData();
        if (data is null) Assert.Skip("../shared/data not found next to the repository");
        string msrc = Path.Combine(data, "msrc-v2");
        var vit = new DenseDino.Nn.VisionTransformer(TestUtil.Cpu, DenseDino.Nn.VitConfig.Tiny(), 1);
        var log = TestContext.Current.TestOutputHelper;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var fx = new FeatureExtractor(vit, new FeatureOptions(8, EvalResize.Dense));
        var train = SegmentationProbe.Precompute(fx, SegmentationDataset.Msrc(msrc, "train").Take(count));
        var val = SegmentationProbe.Precompute(fx, SegmentationDataset.Msrc(msrc, "val").Take(Math.Max(1, count / 2)));
        log?.WriteLine($"features: {sw.Elapsed.TotalSeconds / (train.Count + val.Count):F2} s per image ({train.Count} + {val.Count} images)");
        sw.Restart();
        var probe = new LinearProbe(vit.Config.Dim, 23);
        var losses = probe.Train(train, new ProbeTraining(Epochs: 5));
        log?.WriteLine($"training: {sw.Elapsed.TotalSeconds / 5:F2} s per epoch, losses {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        sw.Restart();
        var cm = SegmentationProbe.Evaluate(probe, val);
        log?.WriteLine($"evaluation: {sw.Elapsed.TotalSeconds:F1} s, mIoU {cm.MeanIoU():F4}, pixel acc {cm.PixelAccuracy():F4}");
        Assert.True(losses[^1] < losses[0]);
    }
}
