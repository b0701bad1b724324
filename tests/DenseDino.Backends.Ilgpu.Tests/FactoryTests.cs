namespace DenseDino.Backends.Ilgpu.Tests;

public sealed class FactoryTests
{
    [Fact]
    public void MissingDeviceListsWhatIlgpuFound()
    {
        var e = Assert.Throws<InvalidOperationException>(() => IlgpuBackend.Create("ilgpu-cpu", 7));
        Assert.Contains("ILGPU found:", e.Message);
        Assert.Contains("CPU", e.Message);
    }

    [Fact]
    public void UnknownKindIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => IlgpuBackend.Create("metal"));
        Assert.Contains("cuda, opencl or ilgpu-cpu", e.Message);
    }

    [Fact]
    public void SimulatorBackendNamesItsAccelerator()
    {
        Assert.StartsWith("ilgpu-cpu", IlgpuTestBackends.Simulator.Name);
        Assert.True(IlgpuTestBackends.Simulator.Accelerator.MaxNumThreadsPerGroup >= 256, "the register-tiled GEMM needs 256-thread (16×16) groups");
    }
}
