using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DenseDino.Benchmarks;

/// <summary>
/// The machine's measured float32 FMA peak: every thread runs independent register-only FMA chains
/// (no memory traffic), so this is the ceiling a GEMM micro-kernel could reach, clock and sharing included.
/// </summary>
internal static class PeakFlops
{
    /// <summary>Best-of-<paramref name="reps"/> GFLOP/s with <paramref name="threads"/> threads running at once.</summary>
    public static double Measure(int threads, int reps = 5)
    {
        const long iterations = 20_000_000; // ~0.1 s per rep on one 3 GHz core
        double best = 0;
        for (int r = 0; r < reps; r++)
        {
            using var start = new ManualResetEventSlim(false);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() => { start.Wait(); Sink = Chains(iterations); })).ToArray();
            foreach (var w in workers) w.Start();
            var sw = Stopwatch.StartNew();
            start.Set();
            foreach (var w in workers) w.Join();
            // 12 chains x 8 lanes x 2 flops per FMA
            best = Math.Max(best, threads * iterations * 12 * 8 * 2 / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    public static void Run(int threads)
    {
        double one = Measure(1), all = Measure(threads);
        Console.WriteLine($"FMA peak: 1 thread {one:F1} GFLOP/s, {threads} threads {all:F1} GFLOP/s ({all / one:F2}x)");
    }

    private static float Sink;

    // 12 independent accumulators cover FMA latency (4-5 cycles) x 2 pipes with room to spare.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long n)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> x0 = Vector256.Create(1f), x1 = x0 + a, x2 = x1 + a, x3 = x2 + a, x4 = x3 + a, x5 = x4 + a,
            x6 = x5 + a, x7 = x6 + a, x8 = x7 + a, x9 = x8 + a, x10 = x9 + a, x11 = x10 + a;
        for (long i = 0; i < n; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, m, a); x1 = Vector256.FusedMultiplyAdd(x1, m, a);
            x2 = Vector256.FusedMultiplyAdd(x2, m, a); x3 = Vector256.FusedMultiplyAdd(x3, m, a);
            x4 = Vector256.FusedMultiplyAdd(x4, m, a); x5 = Vector256.FusedMultiplyAdd(x5, m, a);
            x6 = Vector256.FusedMultiplyAdd(x6, m, a); x7 = Vector256.FusedMultiplyAdd(x7, m, a);
            x8 = Vector256.FusedMultiplyAdd(x8, m, a); x9 = Vector256.FusedMultiplyAdd(x9, m, a);
            x10 = Vector256.FusedMultiplyAdd(x10, m, a); x11 = Vector256.FusedMultiplyAdd(x11, m, a);
        }
        return (x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11).ToScalar();
    }
}
