using System.Diagnostics;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Persistent workers for <see cref="CpuParallel"/>. Kernels are called back to back, so after a job a
/// worker spins briefly for the next one: waking a blocked thread-pool thread costs tens of microseconds,
/// which is most of a small GEMM. One job at a time; nested or concurrent callers get false and fall back.
/// </summary>
internal static class CpuWorkerPool
{
    private sealed class Job(int count, int chunks, Action<int, int> body)
    {
        public readonly int Count = count, Chunks = chunks;
        public readonly Action<int, int> Body = body;
        public int Pending = chunks - 1; // chunks 1.. run on workers; chunk 0 on the caller
        public Exception? Error;

        public void RunChunk(int c)
        {
            int start = (int)((long)Count * c / Chunks), end = (int)((long)Count * (c + 1) / Chunks);
            try { if (end > start) Body(start, end); }
            catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
        }
    }

    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // ~50 us
    private static readonly object Gate = new();
    private static readonly List<Thread> Workers = [];
    private static Job? current;
    private static int busy;
    [ThreadStatic] private static bool isWorker;

    /// <summary>Runs body over [0, count) in <paramref name="chunks"/> contiguous chunks; false if the pool is taken.</summary>
    public static bool TryRun(int count, int chunks, Action<int, int> body)
    {
        if (isWorker || Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        Job job;
        try
        {
            EnsureWorkers(chunks - 1);
            job = new Job(count, chunks, body);
            Volatile.Write(ref current, job);
            lock (Gate) Monitor.PulseAll(Gate);
            job.RunChunk(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        }
        finally { Volatile.Write(ref busy, 0); }
        if (job.Error != null) throw new AggregateException(job.Error);
        return true;
    }

    private static void EnsureWorkers(int n)
    {
        while (Workers.Count < n)
        {
            int index = Workers.Count + 1;
            var t = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"CpuWorker{index}" };
            Workers.Add(t);
            t.Start();
        }
    }

    private static void WorkerLoop(int index)
    {
        isWorker = true;
        // Not Volatile.Read(ref current): the job this worker was created for may already be published.
        // Any older job was published before the worker existed, so its Chunks never reach this index.
        Job? seen = null;
        while (true)
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            Job? job;
            while ((job = Volatile.Read(ref current)) == seen && Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
            if (job == seen)
                lock (Gate)
                    while ((job = Volatile.Read(ref current)) == seen) Monitor.Wait(Gate);
            seen = job;
            // A worker with index >= Chunks sits this job out; the caller does not wait for it.
            if (job != null && index < job.Chunks)
            {
                job.RunChunk(index);
                Interlocked.Decrement(ref job.Pending);
            }
        }
    }
}
