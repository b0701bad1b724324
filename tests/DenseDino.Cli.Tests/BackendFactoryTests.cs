using DenseDino.Training;

namespace DenseDino.Cli.Tests;

public class BackendFactoryTests
{
    [Fact]
    public void UnknownBackendIsRejectedNamingTheKnownOnes()
    {
        var e = Assert.Throws<TrainingConfigException>(() => BackendFactory.Create("nosuch"));
        foreach (string name in new[] { "nosuch", "cpu", "cuda", "opencl", "ilgpu-cpu" }) Assert.Contains(name, e.Message);

        using var fx = new CliFixtures();
        var config = CliFixtures.TinyConfig(fx.CopySamples("train"), fx.Sub("run"));
        config.Backend = "nosuch";
        var v = Assert.Throws<TrainingConfigException>(config.Validate);
        Assert.Contains("ilgpu-cpu", v.Message);
        Assert.NotEqual(0, CliFixtures.Run("pretrain", "--backend", "nosuch", "--data-path", config.DataPath, "--output-dir", config.OutputDir, "--plain"));
        Assert.False(Directory.Exists(config.OutputDir) && Directory.GetFiles(config.OutputDir).Length > 0);
    }

    [Fact]
    public void MissingDeviceListsWhatIlgpuFound()
    {
        var e = Assert.Throws<TrainingConfigException>(() => BackendFactory.Create("cuda", device: 99));
        Assert.Contains("device = 99", e.Message);
        Assert.Contains("ILGPU found", e.Message);
    }

    [Fact]
    public void CpuAndIlgpuCpuAreBuilt()
    {
        using (var cpu = BackendFactory.Create("cpu", threads: 2)) Assert.NotNull(cpu);
        using var sim = BackendFactory.Create(new TrainingConfig { Backend = "ilgpu-cpu" });
        Assert.NotNull(sim);
    }

    /// <summary>Two DenseDINO steps of a tiny ViT on ilgpu-cpu reproduce the cpu backend's losses (float32 tolerance).</summary>
    [Fact]
    public void IlgpuCpuReproducesCpuLosses()
    {
        using var fx = new CliFixtures();
        string data = fx.CopySamples("train", perClass: 4);
        // The ILGPU CPU simulator is slow: a one-block ViT, two views.
        var cpu = Train(fx, data, "cpu", "fp32", steps: 2, small: true);
        var sim = Train(fx, data, "ilgpu-cpu", "fp32", steps: 2, small: true);
        AssertTracks(cpu, sim, "ilgpu-cpu", 1e-3);
    }

    /// <summary>
    /// Five steps of the tiny config on CUDA track the cpu backend: float32 tolerance with fp32,
    /// 2% with TF32 matrix products, 5% with bf16 ones. Skipped with the reason where there is no CUDA device (CI).
    /// </summary>
    [Theory]
    [InlineData("fp32", 1e-3)]
    [InlineData("tf32", 2e-2)]
    [InlineData("bf16", 5e-2)]
    public void CudaTracksCpuLosses(string precision, double rtol)
    {
        try { BackendFactory.Create("cuda").Dispose(); }
        catch (TrainingConfigException e) { Assert.Skip("no CUDA device: " + e.Message); }
        using var fx = new CliFixtures();
        string data = fx.CopySamples("train", perClass: 4);
        var cpu = Train(fx, data, "cpu", "fp32", steps: 5, small: false);
        var cuda = Train(fx, data, "cuda", precision, steps: 5, small: false);
        AssertTracks(cpu, cuda, "cuda " + precision, rtol);
    }

    private static IReadOnlyList<StepRecord> Train(CliFixtures fx, string data, string backendName, string precision, int steps, bool small)
    {
        var config = CliFixtures.TinyConfig(data, fx.Sub($"run-{backendName}-{precision}"));
        config.Backend = backendName;
        config.Precision = precision;
        config.MaxSteps = steps;
        if (small) (config.BatchSize, config.Views, config.Depth) = (2, 2, 1);
        config.Validate();
        using var backend = BackendFactory.Create(config);
        using var trainer = new Trainer(config, backend);
        return trainer.Run();
    }

    private static void AssertTracks(IReadOnlyList<StepRecord> cpu, IReadOnlyList<StepRecord> other, string name, double rtol)
    {
        Assert.Equal(cpu.Count, other.Count);
        for (int i = 0; i < cpu.Count; i++)
        {
            Assert.True(double.IsFinite(cpu[i].Loss));
            foreach (var (a, b) in new[] { (cpu[i].Loss, other[i].Loss), (cpu[i].ClsLoss, other[i].ClsLoss), (cpu[i].RefLoss, other[i].RefLoss) })
                Assert.True(Math.Abs(a - b) <= rtol * Math.Abs(a) + 1e-5, $"step {i}: cpu {a}, {name} {b}");
        }
    }
}
