using DenseDino.Numerics;
using DenseDino.Numerics.Memory;

namespace DenseDino.Backends.Cpu;

/// <summary>
/// The SIMD, multi-threaded CPU backend and the reference every other backend is tested
/// against. The primitives live in Operators/ as partial classes, one file per family.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    /// <param name="threads">Worker threads for kernels; 0 = one per core.</param>
    public CpuBackend(int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), $"CpuBackend: threads must be >= 0, got {threads}");
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        Pool = new BufferPool(Allocate);
    }

    public string Name => $"cpu({Threads} threads)";
    public int Threads { get; }
    public BufferPool Pool { get; }

    public DeviceBuffer Allocate(long length) => new CpuBuffer(length);

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long offset) =>
        source.CopyTo(new Span<float>(((CpuBuffer)destination).Pointer + offset, source.Length));

    public void Download(DeviceBuffer source, long offset, Span<float> destination) =>
        new ReadOnlySpan<float>(((CpuBuffer)source).Pointer + offset, destination.Length).CopyTo(destination);

    public void Dispose() => Pool.Dispose();

    // ---- raw access used by the operator files ----
    internal static float* Ptr(Tensor t) => ((CpuBuffer)t.Buffer).Pointer + t.Offset;
    internal static Span<float> Span(Tensor t) => new(Ptr(t), checked((int)t.Length));
    internal static Span<float> Span(Tensor t, long offset, int length) => new(Ptr(t) + offset, length);
}
