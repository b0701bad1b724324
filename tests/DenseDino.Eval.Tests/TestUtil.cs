using DenseDino.Backends.Cpu;
using DenseDino.Data;
using DenseDino.Nn;
using DenseDino.Numerics;

namespace DenseDino.Eval.Tests;

internal static class TestUtil
{
    public static readonly IBackend Cpu = new CpuBackend(2);

    /// <summary>A random tiny ViT: patch 8, 4×4 pretraining grid, D = 16, 2 blocks, 2 heads.</summary>
    public static VisionTransformer TinyVit(int seed = 1, int patch = 8) =>
        new(Cpu, new VitConfig(ImgSize: 4 * patch, PatchSize: patch, Dim: 16, Depth: 2, Heads: 2), seed);

    public static RgbImage RandomImage(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[width * height * 3];
        rng.NextBytes(px);
        return new RgbImage(width, height, px);
    }

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "densedino-eval-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The shared data folder (../shared/data from the repo root), or null when absent (CI).</summary>
    public static string? SharedData()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DenseDino.sln"))) dir = dir.Parent;
        if (dir?.Parent is null) return null;
        string data = Path.Combine(dir.Parent.FullName, "shared", "data");
        return Directory.Exists(data) ? data : null;
    }
}
