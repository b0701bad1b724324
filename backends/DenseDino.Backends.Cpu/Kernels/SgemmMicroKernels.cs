using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Register-tiled micro-kernels: C[6, NR] (op)= packedA[kc][6] * packedB[kc][NR].
/// The first k block applies beta and bias (beta == 0: C is not read); later k blocks pass
/// beta = 1 and no bias. Partial tiles go through <c>tile</c> so the hot loop stays branch-free.
/// NoInlining: with dynamic PGO the tier-1 caller inlined a kernel into its loops, spilled
/// accumulators and halved sustained GEMM throughput (1024^3 on 2 threads: 45-60 -> 110-125 GFLOP/s).
/// </summary>
internal static unsafe class SgemmMicroKernels
{
    public const int MR = SgemmPack.MR;

    /// <summary>6x16, 12 ymm accumulators (+2 for B, 1 for the A broadcast): fits AVX2's 16 registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Kernel256(int kc, float* pa, float* pb, float* c, long ldc, int mr, int nr,
        float beta, float* bias, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchC(c, ldc, 16);
        for (int p = 0; p < kc; p++, pa += MR, pb += 16)
        {
            Vector256<float> b0 = Vector256.Load(pb), b1 = Vector256.Load(pb + 8), a;
            a = Vector256.Create(pa[0]); c00 = Vector256.FusedMultiplyAdd(a, b0, c00); c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
            a = Vector256.Create(pa[1]); c10 = Vector256.FusedMultiplyAdd(a, b0, c10); c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
            a = Vector256.Create(pa[2]); c20 = Vector256.FusedMultiplyAdd(a, b0, c20); c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
            a = Vector256.Create(pa[3]); c30 = Vector256.FusedMultiplyAdd(a, b0, c30); c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
            a = Vector256.Create(pa[4]); c40 = Vector256.FusedMultiplyAdd(a, b0, c40); c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
            a = Vector256.Create(pa[5]); c50 = Vector256.FusedMultiplyAdd(a, b0, c50); c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
        }
        if (mr == MR && nr == 16)
        {
            Row256(c, c00, c01, beta, bias); Row256(c + ldc, c10, c11, beta, bias);
            Row256(c + 2 * ldc, c20, c21, beta, bias); Row256(c + 3 * ldc, c30, c31, beta, bias);
            Row256(c + 4 * ldc, c40, c41, beta, bias); Row256(c + 5 * ldc, c50, c51, beta, bias);
            return;
        }
        Row256(tile, c00, c01, 0, null); Row256(tile + 16, c10, c11, 0, null);
        Row256(tile + 32, c20, c21, 0, null); Row256(tile + 48, c30, c31, 0, null);
        Row256(tile + 64, c40, c41, 0, null); Row256(tile + 80, c50, c51, 0, null);
        StorePartial(tile, 16, c, ldc, mr, nr, beta, bias);
    }

    // The C tile's lines are wanted at the end of the k loop; fetching them now hides an L3/DRAM miss
    // behind it (+10% when packed B spans 4 MB). Prefetches never fault, so rows past mr are harmless.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchC(float* c, long ldc, int width)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < MR; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + width - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row256(float* c, Vector256<float> x0, Vector256<float> x1, float beta, float* bias)
    {
        if (beta != 0)
        {
            var bv = Vector256.Create(beta);
            x0 = Vector256.FusedMultiplyAdd(bv, Vector256.Load(c), x0);
            x1 = Vector256.FusedMultiplyAdd(bv, Vector256.Load(c + 8), x1);
        }
        if (bias != null) { x0 += Vector256.Load(bias); x1 += Vector256.Load(bias + 8); }
        Vector256.Store(x0, c);
        Vector256.Store(x1, c + 8);
    }

    /// <summary>6x32, 12 zmm accumulators: same shape of loop as <see cref="Kernel256"/>, twice as wide.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Kernel512(int kc, float* pa, float* pb, float* c, long ldc, int mr, int nr,
        float beta, float* bias, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, pa += MR, pb += 32)
        {
            Vector512<float> b0 = Vector512.Load(pb), b1 = Vector512.Load(pb + 16), a;
            a = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
        }
        if (mr == MR && nr == 32)
        {
            Row512(c, c00, c01, beta, bias); Row512(c + ldc, c10, c11, beta, bias);
            Row512(c + 2 * ldc, c20, c21, beta, bias); Row512(c + 3 * ldc, c30, c31, beta, bias);
            Row512(c + 4 * ldc, c40, c41, beta, bias); Row512(c + 5 * ldc, c50, c51, beta, bias);
            return;
        }
        Row512(tile, c00, c01, 0, null); Row512(tile + 32, c10, c11, 0, null);
        Row512(tile + 64, c20, c21, 0, null); Row512(tile + 96, c30, c31, 0, null);
        Row512(tile + 128, c40, c41, 0, null); Row512(tile + 160, c50, c51, 0, null);
        StorePartial(tile, 32, c, ldc, mr, nr, beta, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row512(float* c, Vector512<float> x0, Vector512<float> x1, float beta, float* bias)
    {
        if (beta != 0)
        {
            var bv = Vector512.Create(beta);
            x0 = Vector512.FusedMultiplyAdd(bv, Vector512.Load(c), x0);
            x1 = Vector512.FusedMultiplyAdd(bv, Vector512.Load(c + 16), x1);
        }
        if (bias != null) { x0 += Vector512.Load(bias); x1 += Vector512.Load(bias + 16); }
        Vector512.Store(x0, c);
        Vector512.Store(x1, c + 16);
    }

    /// <summary>Portable 6x16 fallback for machines without SIMD; same packed layout as <see cref="Kernel256"/>.</summary>
    public static void KernelScalar(int kc, float* pa, float* pb, float* c, long ldc, int mr, int nr,
        float beta, float* bias, float* tile)
    {
        new Span<float>(tile, MR * 16).Clear();
        for (int p = 0; p < kc; p++, pa += MR, pb += 16)
            for (int i = 0; i < MR; i++)
            {
                float x = pa[i];
                float* t = tile + i * 16;
                for (int j = 0; j < 16; j++) t[j] += x * pb[j];
            }
        StorePartial(tile, 16, c, ldc, mr, nr, beta, bias);
    }

    private static void StorePartial(float* tile, int ldt, float* c, long ldc, int mr, int nr, float beta, float* bias)
    {
        for (int i = 0; i < mr; i++)
        {
            float* t = tile + i * ldt, ci = c + i * ldc;
            for (int j = 0; j < nr; j++)
            {
                float v = t[j];
                if (beta != 0) v += beta * ci[j];
                if (bias != null) v += bias[j];
                ci[j] = v;
            }
        }
    }
}
