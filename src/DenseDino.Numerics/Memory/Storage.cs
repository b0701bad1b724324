namespace DenseDino.Numerics.Memory;

/// <summary>
/// A pooled buffer shared by a tensor and its views. Reference counted: the buffer goes
/// back to the pool when the last tensor using it is disposed.
/// </summary>
public sealed class Storage
{
    private int refs = 1;

    internal Storage(IBackend backend, DeviceBuffer buffer, long length)
    {
        Backend = backend;
        Buffer = buffer;
        Length = length;
    }

    public IBackend Backend { get; }
    public DeviceBuffer Buffer { get; }
    /// <summary>Floats in use (the buffer may be larger).</summary>
    public long Length { get; }
    public bool IsReleased => Volatile.Read(ref refs) <= 0;
    /// <summary>Exactly one tensor refers to this storage (no views of it are alive).</summary>
    internal bool IsExclusive => Volatile.Read(ref refs) == 1;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref refs) <= 1) throw new ObjectDisposedException(nameof(Storage), "a view was taken of a released tensor");
    }

    internal void Release()
    {
        int left = Interlocked.Decrement(ref refs);
        if (left == 0) Backend.Pool.Return(Buffer);
    }
}
