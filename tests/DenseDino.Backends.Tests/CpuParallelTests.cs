using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Backends.Tests;

public class CpuParallelTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(7, 2)]
    [InlineData(1000, 2)]
    [InlineData(1000, 5)]
    public void ForRangeCoversEveryIndexOnce(int count, int threads)
    {
        var hits = new int[count];
        for (int rep = 0; rep < 50; rep++) // repeated: later calls reuse the spinning workers
            CpuParallel.ForRange(count, threads, 1 << 20, (s, e) => { for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]); });
        Assert.All(hits, h => Assert.Equal(50, h));
    }

    [Fact]
    public void NestedCallsComplete()
    {
        var hits = new int[64];
        CpuParallel.For(8, 2, 1 << 20, i =>
            CpuParallel.For(8, 2, 1 << 20, j => Interlocked.Increment(ref hits[i * 8 + j])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void WorkerExceptionReachesCaller()
    {
        var e = Assert.Throws<AggregateException>(() =>
            CpuParallel.ForRange(2, 2, 1 << 20, (s, _) => { if (s == 1) throw new InvalidOperationException("boom"); }));
        Assert.Contains(e.Flatten().InnerExceptions, x => x is InvalidOperationException);
        // The pool must still work after a failed job.
        int sum = 0;
        CpuParallel.ForRange(2, 2, 1 << 20, (s, e2) => Interlocked.Add(ref sum, e2 - s));
        Assert.Equal(2, sum);
    }
}
