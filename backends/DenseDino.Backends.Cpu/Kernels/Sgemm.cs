using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>Packed, cache-blocked, register-tiled FMA SGEMM (row-major), batched and multi-threaded.</summary>
internal static unsafe class Sgemm
{
    // Below ~2 MFLOP in total a fork/join (a few microseconds) costs more than the second core saves.
    private const long ParallelFlops = 2_000_000;

    /// C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] (+ bias broadcast over rows), for b in [0, batch).
    /// Row-major. op(A) is [m, k]: A is stored [m, k] with leading dim lda, or [k, m] when transA.
    /// op(B) is [k, n]: B stored [k, n] (ldb) or [n, k] when transB. C is [m, n] with ldc.
    /// strideA/strideB/strideC: element distance between batch items (0 = same matrix for all, e.g. shared weights).
    /// bias: null or n floats added to every row of C after scaling. beta == 0 means C is not read (it may hold NaN garbage).
    public static void Run(int batch, int m, int n, int k, float alpha,
        float* a, long strideA, int lda, bool transA,
        float* b, long strideB, int ldb, bool transB,
        float beta, float* c, long strideC, int ldc, float* bias, int threads) =>
        Run(batch, m, n, k, alpha, a, strideA, lda, transA, b, strideB, ldb, transB,
            beta, c, strideC, ldc, bias, threads, SgemmKernel.Auto);

    /// <summary>The best micro-kernel this machine runs natively.</summary>
    public static SgemmKernel BestKernel =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? SgemmKernel.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? SgemmKernel.Vector256
        : SgemmKernel.Scalar;

    /// <summary>Same as the public overload, with the micro-kernel forced (tests prove every width).</summary>
    internal static void Run(int batch, int m, int n, int k, float alpha,
        float* a, long strideA, int lda, bool transA,
        float* b, long strideB, int ldb, bool transB,
        float beta, float* c, long strideC, int ldc, float* bias, int threads, SgemmKernel kernel)
    {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        var kind = kernel == SgemmKernel.Auto ? BestKernel : kernel;
        var g = new GemmProblem
        {
            M = m, N = n, K = k, Alpha = alpha, Beta = beta, A = a, B = b, C = c, Bias = bias,
            Lda = lda, Ldb = ldb, Ldc = ldc, TransA = transA, TransB = transB,
        };
        long flops = 2L * m * n * Math.Max(k, 1);
        if (Workers(batch, m, n, k, threads) <= 1)
        {
            for (int i = 0; i < batch; i++) SgemmDriver.Run(Item(g, i, strideA, strideB, strideC), kind);
            return;
        }
        // Whole items per thread when they divide evenly (or are many): no shared packing, no slicing.
        if (batch >= threads && (batch % threads == 0 || batch >= 4 * threads))
        {
            CpuParallel.ForRange(batch, threads, flops, (s, e) =>
            {
                for (int i = s; i < e; i++) SgemmDriver.Run(Item(g, i, strideA, strideB, strideC), kind);
            });
            return;
        }
        for (int i = 0; i < batch; i++) RunSplit(Item(g, i, strideA, strideB, strideC), kind, threads);
    }

    /// <summary>How many threads a call may use: 1 (no fork) when the whole job is too small to pay for one.</summary>
    internal static int Workers(int batch, int m, int n, int k, int threads) =>
        threads <= 1 || 2L * m * n * Math.Max(k, 1) * batch < ParallelFlops ? 1 : threads;

    private static GemmProblem Item(GemmProblem g, int i, long strideA, long strideB, long strideC)
    {
        g.A += i * strideA;
        g.B += i * strideB;
        g.C += i * strideC;
        return g;
    }

    // Splits one GEMM into contiguous row (or column) slices, whole register tiles each, one per thread.
    private static void RunSplit(GemmProblem g, SgemmKernel kind, int threads)
    {
        bool byRows = g.M >= g.N;
        int unit = byRows ? SgemmPack.MR : SgemmDriver.NrOf(kind);
        int tiles = ((byRows ? g.M : g.N) + unit - 1) / unit;
        int chunks = Math.Min(threads, tiles);
        long flops = 2L * g.M * g.N * Math.Max(g.K, 1);
        if (chunks <= 1 || flops < ParallelFlops) { SgemmDriver.Run(g, kind); return; }
        int extent = byRows ? g.M : g.N;
        CpuParallel.ForRange(chunks, chunks, flops / chunks, (s, e) =>
        {
            int lo = Math.Min(extent, (int)((long)tiles * s / chunks) * unit);
            int hi = Math.Min(extent, (int)((long)tiles * e / chunks) * unit);
            if (hi <= lo) return;
            SgemmDriver.Run(byRows ? g.SliceM(lo, hi - lo) : g.SliceN(lo, hi - lo), kind);
        });
    }
}
