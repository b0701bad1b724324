namespace DenseDino.Numerics.Memory;

/// <summary>
/// Caches freed buffers by capacity so that a training step reuses last step's memory
/// instead of allocating (and page-faulting) new blocks. Thread-safe.
/// </summary>
public sealed class BufferPool : IDisposable
{
    // Capacities are rounded up so that nearby sizes share a bucket without wasting much.
    private const long Granule = 64;
    private readonly Func<long, DeviceBuffer> allocate;
    private readonly Dictionary<long, Stack<DeviceBuffer>> free = new();
    private readonly object gate = new();

    public BufferPool(Func<long, DeviceBuffer> allocate) => this.allocate = allocate;

    /// <summary>Fresh allocations from the backend (a cache miss).</summary>
    public long Allocations { get; private set; }
    /// <summary>Rents served from the cache.</summary>
    public long Reuses { get; private set; }
    /// <summary>Floats currently rented out.</summary>
    public long FloatsInUse { get; private set; }
    /// <summary>Floats sitting in the cache.</summary>
    public long FloatsCached { get; private set; }
    /// <summary>The most floats ever rented out at once (like torch.cuda.max_memory_allocated).</summary>
    public long PeakFloatsInUse { get; private set; }
    /// <summary>The most floats ever held from the backend, rented plus cached (like max_memory_reserved).</summary>
    public long PeakFloatsHeld { get; private set; }

    private void NoteRent(long cap)
    {
        FloatsInUse += cap;
        PeakFloatsInUse = Math.Max(PeakFloatsInUse, FloatsInUse);
        PeakFloatsHeld = Math.Max(PeakFloatsHeld, FloatsInUse + FloatsCached);
    }

    /// <summary>Starts the peaks over from what is rented and held now (like torch.cuda.reset_peak_memory_stats).</summary>
    public void ResetPeak()
    {
        lock (gate)
        {
            PeakFloatsInUse = FloatsInUse;
            PeakFloatsHeld = FloatsInUse + FloatsCached;
        }
    }

    public static long Capacity(long length) => length <= 0 ? Granule : (length + Granule - 1) / Granule * Granule;

    public DeviceBuffer Rent(long length)
    {
        long cap = Capacity(length);
        lock (gate)
        {
            if (free.TryGetValue(cap, out var stack) && stack.Count > 0)
            {
                Reuses++;
                FloatsCached -= cap;
                NoteRent(cap);
                return stack.Pop();
            }
        }
        DeviceBuffer buffer;
        try
        {
            buffer = allocate(cap);
        }
        catch (OutOfMemoryException)
        {
            long cached = FloatsCached;
            Trim();
            try { buffer = allocate(cap); }
            catch (OutOfMemoryException e)
            {
                throw new OutOfMemoryException(
                    $"BufferPool: cannot allocate {cap * 4L:N0} bytes; {FloatsInUse * 4L:N0} bytes in use, {cached * 4L:N0} freed from the cache first", e);
            }
        }
        lock (gate)
        {
            Allocations++;
            NoteRent(cap);
        }
        return buffer;
    }

    public void Return(DeviceBuffer buffer)
    {
        lock (gate)
        {
            if (!free.TryGetValue(buffer.Length, out var stack)) free[buffer.Length] = stack = new Stack<DeviceBuffer>();
            stack.Push(buffer);
            FloatsInUse -= buffer.Length;
            FloatsCached += buffer.Length;
        }
    }

    /// <summary>Releases every cached buffer.</summary>
    public void Trim()
    {
        lock (gate)
        {
            foreach (var stack in free.Values)
                while (stack.Count > 0) stack.Pop().Dispose();
            free.Clear();
            FloatsCached = 0;
        }
    }

    public void Dispose() => Trim();
}
