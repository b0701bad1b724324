using DenseDino.Backends.Cpu;
using DenseDino.Backends.Ilgpu;
using DenseDino.Numerics;
using DenseDino.Training;

namespace DenseDino.Cli;

/// <summary>
/// A backend from configuration alone: <c>cpu</c> (<c>--threads</c>, 0 = every core) or an ILGPU
/// accelerator <c>cuda | opencl | ilgpu-cpu</c> (<c>--device N</c>, the N-th device of that kind).
/// Every failure is a <see cref="TrainingConfigException"/> naming the flag: an unknown name lists
/// the known ones, a missing device carries ILGPU's list of the devices it found.
/// </summary>
public static class BackendFactory
{
    public static IReadOnlyList<string> Names => BackendNames.Available;

    public static IBackend Create(string name, int device = 0, int threads = 0, string gemm = "auto", string precision = "fp32")
    {
        string key = (name ?? "").Trim().ToLowerInvariant();
        if (!Names.Contains(key))
            throw new TrainingConfigException([$"backend = '{name}': unknown; known backends: {string.Join(", ", Names)}"]);
        if (device < 0)
            throw new TrainingConfigException([$"device = {device}: must be >= 0"]);
        if (key == "cpu")
        {
            if (precision != "fp32") throw new TrainingConfigException([$"precision = '{precision}': the cpu backend computes in fp32 only"]);
            if (threads is < 0 or > 1024) throw new TrainingConfigException([$"threads = {threads}: must be in [0, 1024] (0 = every core)"]);
            return new CpuBackend(threads);
        }
        try
        {
            var options = new IlgpuOptions(IlgpuOptions.ParseGemm(gemm), IlgpuOptions.ParsePrecision(precision));
            return IlgpuBackend.Create(key, device, options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            throw new TrainingConfigException([$"backend = '{key}', device = {device}: {e.Message}"]);
        }
    }

    /// <summary>The backend a training config names (backend, device, threads).</summary>
    public static IBackend Create(TrainingConfig config)
    {
        var backend = Create(config.Backend, config.Device, config.Threads, config.Gemm, config.Precision);
        if (config.MaxMemoryGb > 0) backend.Pool.LimitFloats = (long)(config.MaxMemoryGb * (1L << 30) / sizeof(float));
        return backend;
    }
}
