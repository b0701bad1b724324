using DenseDino.Backends.Ilgpu;
using DenseDino.Numerics;
using ILGPU.Runtime;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>Process-wide backends: ILGPU contexts are costly, and kernels compile once per accelerator.</summary>
internal static class IlgpuTestBackends
{
    private static readonly Lazy<IlgpuBackend> simulator = new(() => IlgpuBackend.Create("ilgpu-cpu"));
    private static readonly Dictionary<IlgpuOptions, (IlgpuBackend? Backend, string Reason)> cudaVariants = new();

    /// <summary>A CUDA backend with other options (kernel GEMM, TF32), one per options value, or a skip.</summary>
    public static IlgpuBackend CudaWith(IlgpuOptions options)
    {
        (IlgpuBackend? Backend, string Reason) entry;
        lock (cudaVariants)
        {
            if (!cudaVariants.TryGetValue(options, out entry))
            {
                try { entry = (IlgpuBackend.Create("cuda", 0, options), ""); }
                catch (Exception e) { entry = (null, "no CUDA device: " + e.Message); }
                cudaVariants[options] = entry;
            }
        }
        if (entry.Backend is null) Assert.Skip(entry.Reason);
        return entry.Backend;
    }

    /// <summary>ILGPU's CPU accelerator (256-thread groups): slow with barriers, so shapes stay ≤ 64.</summary>
    public static IlgpuBackend Simulator => simulator.Value;

    /// <summary>The first CUDA device with default options, or a skip (with the reason) where there is none.</summary>
    public static IBackend CudaOrSkip => CudaWith(IlgpuOptions.Default);
}

public sealed class IlgpuCpuOpGoldenTests : DenseDino.Numerics.Tests.Golden.OpGoldenTests
{
    protected override IBackend Backend => IlgpuTestBackends.Simulator;
}

/// <summary>The golden suite on CUDA; every case reports skipped where no CUDA device exists (CI).</summary>
public sealed class CudaOpGoldenTests : DenseDino.Numerics.Tests.Golden.OpGoldenTests
{
    protected override IBackend Backend => IlgpuTestBackends.CudaOrSkip;
}
