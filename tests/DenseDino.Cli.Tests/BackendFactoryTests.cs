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
        IReadOnlyList<StepRecord> Train(string backendName)
        {
            var config = CliFixtures.TinyConfig(data, fx.Sub("run-" + backendName));
            config.Backend = backendName;
            config.MaxSteps = 2;
            (config.BatchSize, config.Views, config.Depth) = (2, 2, 1);   // the ILGPU CPU simulator is slow
            config.Validate();
            using var backend = BackendFactory.Create(config);
            using var trainer = new Trainer(config, backend);
            return trainer.Run();
        }
        var cpu = Train("cpu");
        var sim = Train("ilgpu-cpu");
        Assert.Equal(2, cpu.Count);
        Assert.Equal(2, sim.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(double.IsFinite(cpu[i].Loss));
            foreach (var (a, b) in new[] { (cpu[i].Loss, sim[i].Loss), (cpu[i].ClsLoss, sim[i].ClsLoss), (cpu[i].RefLoss, sim[i].RefLoss) })
                Assert.True(Math.Abs(a - b) <= 1e-3 * Math.Abs(a) + 1e-5, $"step {i}: cpu {a}, ilgpu-cpu {b}");
        }
    }
}
