using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Training.Tests;

/// <summary>Tiny configs on a few sample images, in a fresh temp folder per test.</summary>
internal sealed class TestRuns : IDisposable
{
    public static readonly IBackend Cpu = new CpuBackend(2);

    public TestRuns(int images = 8)
    {
        Root = Path.Combine(Path.GetTempPath(), "densedino-train-tests", Guid.NewGuid().ToString("N"));
        DataDir = Path.Combine(Root, "data");
        Directory.CreateDirectory(Path.Combine(DataDir, "a"));
        var sources = Directory.GetFiles(SampleDir(), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(images).ToArray();
        for (int i = 0; i < sources.Length; i++) File.Copy(sources[i], Path.Combine(DataDir, "a", $"{i:D3}.jpg"));
    }

    public string Root { get; }
    public string DataDir { get; }

    /// <summary>img 32, patch 16, dim 24, depth 2, K 64, batch 4, 4 views: one step takes milliseconds.</summary>
    public TrainingConfig Tiny(string name = "run") => new()
    {
        Arch = "vit_tiny", ImgSize = 32, PatchSize = 16, EmbedDim = 24, Depth = 2, NumHeads = 2,
        OutDim = 64, HeadHiddenDim = 32, HeadBottleneckDim = 16, Views = 4, NumReference = 2,
        BatchSize = 4, Epochs = 3, WarmupEpochs = 1, Lr = 0.05, FreezeLastLayer = 1,
        DataPath = DataDir, OutputDir = Path.Combine(Root, name), NumWorkers = 2, Threads = 2, Seed = 7,
        Deterministic = true,
    };

    private static string SampleDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "sample", "train");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("data/sample/train not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
