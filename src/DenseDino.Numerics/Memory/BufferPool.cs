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
    /// <summary>
    /// The most floats the pool may hold from the backend, rented plus cached (a share of a device, or of a host's
    /// RAM): a rent beyond it first frees the cache, then throws <see cref="OutOfMemoryException"/>.
    /// </summary>
    public long LimitFloats { get; set; } = long.MaxValue;

    // Rented buffers by capacity, and a copy taken at each new peak, when tracking is on.
    private Dictionary<long, int>? live;
    private Dictionary<long, int> liveAtPeak = new();

    /// <summary>
    /// Turns on a tally of rented buffers by capacity, copied at every new peak, for <see cref="LiveAtPeak"/>
    /// (a diagnostic: which tensors make the peak; costs a dictionary update per rent and a copy per new peak).
    /// Exact when turned on before the first rent.
    /// </summary>
    public void TrackPeakComposition()
    {
        lock (gate) live ??= new Dictionary<long, int>();
    }

    /// <summary>(capacity in floats, how many were rented) at the highest peak since tracking began (or the last <see cref="ResetPeak"/>), largest total first.</summary>
    public IReadOnlyList<(long Floats, int Count)> LiveAtPeak()
    {
        lock (gate) return liveAtPeak.Where(kv => kv.Value > 0).Select(kv => (kv.Key, kv.Value)).OrderByDescending(e => e.Key * e.Value).ToList();
    }

    private void NoteRent(long cap)
    {
        FloatsInUse += cap;
        if (live is not null)
        {
            live[cap] = live.GetValueOrDefault(cap) + 1;
            if (FloatsInUse > PeakFloatsInUse) liveAtPeak = new Dictionary<long, int>(live);
        }
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
            if (live is not null) liveAtPeak = new Dictionary<long, int>(live);
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
            buffer = AllocateWithinLimit(cap);
        }
        catch (OutOfMemoryException)
        {
            long cached = FloatsCached;
            Trim();
            try { buffer = AllocateWithinLimit(cap); }
            catch (OutOfMemoryException e)
            {
                throw new OutOfMemoryException(
                    $"BufferPool: cannot allocate {cap * 4L:N0} bytes; {FloatsInUse * 4L:N0} bytes in use, {cached * 4L:N0} freed from the cache first ({e.Message})", e);
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
            if (live is not null && live.TryGetValue(buffer.Length, out int n)) live[buffer.Length] = n - 1;
            FloatsCached += buffer.Length;
        }
    }

    /// <summary>Releases every cached buffer.</summary>
    private DeviceBuffer AllocateWithinLimit(long cap)
    {
        long limit = LimitFloats;
        if (FloatsInUse + FloatsCached + cap > limit)
            throw new OutOfMemoryException($"the pool's limit is {limit * 4L:N0} bytes");
        return allocate(cap);
    }

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
