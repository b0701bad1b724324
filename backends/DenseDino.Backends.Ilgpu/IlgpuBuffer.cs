using DenseDino.Numerics.Memory;

namespace DenseDino.Backends.Ilgpu;

/// <summary>A float32 block in accelerator memory.</summary>
public sealed class IlgpuBuffer : DeviceBuffer
{
    public IlgpuBuffer(Accelerator accelerator, long length) : base(length)
    {
        try
        {
            Memory = accelerator.Allocate1D<float>(Math.Max(length, 1));
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ArgumentException)
        {
            // The pool trims its cache and retries on OutOfMemoryException only.
            throw new OutOfMemoryException($"IlgpuBuffer: cannot allocate {length * 4L:N0} bytes on {accelerator.Name}: {e.Message}", e);
        }
    }

    public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; }

    /// <summary>A view of [offset, offset + length).</summary>
    public ArrayView<float> View(long offset, long length) => Memory.View.SubView(offset, length);

    public override void Dispose() => Memory.Dispose();
}
