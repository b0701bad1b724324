namespace DenseDino.Data;

/// <summary>
/// Batches items produced by <c>load(index, epoch)</c> in order while workers run ahead:
/// <see cref="Prefetch"/> batches (the queue capacity) stay in flight while the caller works on
/// the current one, their items decoded and augmented on at most <see cref="Workers"/>
/// thread-pool tasks at once. A null item (a skipped corrupt file)
/// is dropped from its batch. Item order within an epoch is a permutation drawn from
/// (seed, epoch) when shuffling, so results do not depend on scheduling.
/// </summary>
public sealed class DataLoader<T> : IDisposable where T : class
{
    private readonly Func<int, int, T?> _load;
    private readonly SemaphoreSlim _workerSlots;
    private readonly CancellationTokenSource _disposed = new();

    public int Count { get; }
    public int BatchSize { get; }
    public int Workers { get; }
    public int Prefetch { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public long Seed { get; }

    public DataLoader(int count, Func<int, int, T?> load, int batchSize, int workers = 2, int prefetch = 2,
        bool shuffle = true, bool dropLast = true, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "DataLoader: must be >= 0");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DataLoader: must be >= 1");
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "DataLoader: must be >= 1");
        if (prefetch < 1) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, "DataLoader: queue capacity must be >= 1");
        _load = load;
        Count = count;
        BatchSize = batchSize;
        Workers = workers;
        Prefetch = prefetch;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed;
        _workerSlots = new SemaphoreSlim(workers, workers);
    }

    public int BatchCount => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The dataset order of one epoch.</summary>
    public int[] Order(int epoch)
    {
        if (!Shuffle) return Enumerable.Range(0, Count).ToArray();
        // index -1 keeps the shuffle stream apart from every sample's stream.
        return SampleRng.ForSample(Seed, epoch, -1).Permutation(Count);
    }

    /// <summary>The batches of one epoch, in order. Leaving the loop early cancels and waits for in-flight work.</summary>
    public IEnumerable<IReadOnlyList<T>> Batches(int epoch, CancellationToken cancellationToken = default) =>
        Batches(epoch, 0, cancellationToken);

    /// <summary>
    /// The batches of one epoch from batch <paramref name="startBatch"/> on (a resumed run skips
    /// the ones it already trained on without loading them); the order is the full epoch's.
    /// </summary>
    public IEnumerable<IReadOnlyList<T>> Batches(int epoch, int startBatch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (startBatch < 0 || startBatch > BatchCount)
            throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"DataLoader: must be in [0, {BatchCount}]");
        return BatchesFrom(epoch, startBatch, cancellationToken);
    }

    private IEnumerable<IReadOnlyList<T>> BatchesFrom(int epoch, int startBatch, CancellationToken cancellationToken)
    {
        int[] order = Order(epoch);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        CancellationToken token = linked.Token;
        var pending = new Queue<Task<T[]>>();
        int next = startBatch;
        try
        {
            void Refill()
            {
                while (pending.Count < Prefetch && next < BatchCount)
                {
                    int start = next * BatchSize;
                    int end = Math.Min(start + BatchSize, Count);
                    pending.Enqueue(LoadBatch(order[start..end], epoch, token));
                    next++;
                }
            }

            Refill();
            while (pending.Count > 0)
            {
                // A batch may already be finished; cancellation still ends the epoch before it is handed out.
                cancellationToken.ThrowIfCancellationRequested();
                Task<T[]> head = pending.Dequeue();
                // Keep Prefetch batches in flight while the caller computes on this one.
                Refill();
                T[] batch;
                try
                {
                    batch = head.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                yield return batch;
            }
        }
        finally
        {
            linked.Cancel();
            foreach (Task<T[]> t in pending)
            {
                // Wait so no worker touches shared state after the enumeration ends; their errors no longer matter.
                try { t.Wait(CancellationToken.None); } catch (AggregateException) { }
            }
        }
    }

    private async Task<T[]> LoadBatch(int[] indices, int epoch, CancellationToken token)
    {
        var items = new Task<T?>[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            items[i] = Task.Run(async () =>
            {
                await _workerSlots.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    token.ThrowIfCancellationRequested();
                    return _load(index, epoch);
                }
                finally
                {
                    _workerSlots.Release();
                }
            }, token);
        }
        T?[] results = await Task.WhenAll(items).ConfigureAwait(false);
        return results.Where(r => r is not null).Select(r => r!).ToArray();
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        // The token source and semaphore are left to the GC: in-flight workers may still observe them.
        _disposed.Cancel();
    }
}
