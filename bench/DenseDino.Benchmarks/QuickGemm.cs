using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DenseDino.Benchmarks;

/// <summary>Best-of-N Stopwatch timing of every <see cref="GemmShape"/>: seconds per sweep, for tuning only.</summary>
internal static unsafe class QuickGemm
{
    public static void Run(int threads, string? only)
    {
        foreach (var s in GemmShape.All)
        {
            if (only != null && !s.Name.Contains(only)) continue;
            float* a = SgemmBenchmarks.Alloc((long)s.Batch * s.M * s.K);
            float* b = SgemmBenchmarks.Alloc((long)(s.SharedB ? 1 : s.Batch) * s.K * s.N);
            float* c = SgemmBenchmarks.Alloc((long)s.Batch * s.M * s.N);
            double best = double.MaxValue;
            var total = Stopwatch.StartNew();
            for (int rep = 0; rep < 30 && (rep < 3 || total.Elapsed.TotalSeconds < 2); rep++)
            {
                var sw = Stopwatch.StartNew();
                SgemmBenchmarks.Run(s, a, b, c, threads);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"{s.Name,-22} {s.Flops / best / 1e9,7:F1} GFLOP/s  ({best * 1e3:F2} ms best)");
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }
}
