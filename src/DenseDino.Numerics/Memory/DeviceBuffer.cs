namespace DenseDino.Numerics.Memory;

/// <summary>A block of float32 storage owned by a backend. Backends subclass it.</summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(long length) => Length = length;

    /// <summary>Capacity in floats.</summary>
    public long Length { get; }

    /// <summary>Releases the memory for good (the pool calls this; tensors never do).</summary>
    public abstract void Dispose();
}
