namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Parallel loops for the CPU kernels. Work is split into at most <c>threads</c> contiguous
/// chunks so that each worker touches one block of memory; tiny loops run inline.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Runs body(start, end) over [0, count) split into contiguous chunks.</summary>
    public static void ForRange(int count, int threads, long costPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        // Below ~64K flops of work per extra thread, forking costs more than it saves.
        int useful = (int)Math.Clamp(count * Math.Max(costPerItem, 1) / 65536, 1, Math.Max(threads, 1));
        int chunks = Math.Min(useful, count);
        if (chunks <= 1) { body(0, count); return; }
        if (CpuWorkerPool.TryRun(count, chunks, body)) return;
        // The pool is busy (a nested or concurrent call): the thread pool still gives correct results.
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int start = (int)((long)count * c / chunks);
            int end = (int)((long)count * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }

    /// <summary>Runs body(i) for each i in [0, count), chunked.</summary>
    public static void For(int count, int threads, long costPerItem, Action<int> body) =>
        ForRange(count, threads, costPerItem, (s, e) => { for (int i = s; i < e; i++) body(i); });
}
