using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Single-threaded GEMM for one attention slice, whose operands already sit in L1/L2:
/// C (=|+=) alpha·op(A)·B with B read in place (row-major, rows ldb apart: no packing) and op(A)
/// read in place when stored transposed (a tile's 6 rows are then 6 consecutive floats), packed
/// one 6-row panel at a time otherwise. Columns go through 16- and 8-wide register tiles and a
/// scalar tail, so there is no partial-tile buffer and no per-call setup: at 37 tokens the packed
/// <see cref="Sgemm"/> spent more time on edges and packing than on arithmetic.
/// </summary>
internal static unsafe class SliceGemm
{
    private const int MR = SgemmPack.MR;

    /// <summary>Floats of scratch <see cref="Run"/> needs for inner dimension k.</summary>
    public static int ScratchFor(int k) => MR * Math.Max(k, 1) + SgemmPack.PackASlack;

    /// <summary>
    /// op(A) is [m, k]: a(i, p) = a[i·lda + p], or a[p·lda + i] when transA. B is [k, n] with row
    /// stride ldb; C is [m, n] with row stride ldc. scratch holds <see cref="ScratchFor"/>(k) floats.
    /// </summary>
    public static void Run(int m, int n, int k, float alpha, float* a, long lda, bool transA,
        float* b, long ldb, float* c, long ldc, bool accumulate, float* scratch)
    {
        for (int i0 = 0; i0 < m; i0 += MR)
        {
            int mr = Math.Min(MR, m - i0);
            float* pa;
            long la;
            if (transA && mr == MR) { pa = a + i0; la = lda; }
            else
            {
                // Normal rows, or a ragged last panel (its missing rows must read as zeros, not past the end).
                SgemmPack.PackA(a, checked((int)lda), transA, i0, mr, 0, k, 1f, scratch);
                pa = scratch;
                la = MR;
            }
            float* ci = c + i0 * ldc;
            int j = 0;
            if (Fma.IsSupported)
            {
                for (; j + 16 <= n; j += 16) Tile16(k, pa, la, b + j, ldb, ci + j, ldc, mr, alpha, accumulate);
                if (j + 8 <= n) { Tile8(k, pa, la, b + j, ldb, ci + j, ldc, mr, alpha, accumulate); j += 8; }
            }
            for (; j < n; j++) Column(k, pa, la, b + j, ldb, ci + j, ldc, mr, alpha, accumulate);
        }
    }

    // The loop of SgemmMicroKernels.Kernel256 with strides instead of packed constants. Calling Kernel256
    // with strides (alpha folded into packing) was tried: 37-token slices ran 50% slower (its partial-row
    // path goes through a scratch tile and scalar stores), so the ragged-row stores stay here.
    // NoInlining for the reason given on SgemmMicroKernels.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile16(int k, float* a, long lda, float* b, long ldb, float* c, long ldc, int mr, float alpha, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++, a += lda, b += ldb)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8), x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        var va = Vector256.Create(alpha);
        Store(c, c00 * va, accumulate); Store(c + 8, c01 * va, accumulate);
        if (mr > 1) { Store(c + ldc, c10 * va, accumulate); Store(c + ldc + 8, c11 * va, accumulate); }
        if (mr > 2) { Store(c + 2 * ldc, c20 * va, accumulate); Store(c + 2 * ldc + 8, c21 * va, accumulate); }
        if (mr > 3) { Store(c + 3 * ldc, c30 * va, accumulate); Store(c + 3 * ldc + 8, c31 * va, accumulate); }
        if (mr > 4) { Store(c + 4 * ldc, c40 * va, accumulate); Store(c + 4 * ldc + 8, c41 * va, accumulate); }
        if (mr > 5) { Store(c + 5 * ldc, c50 * va, accumulate); Store(c + 5 * ldc + 8, c51 * va, accumulate); }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile8(int k, float* a, long lda, float* b, long ldb, float* c, long ldc, int mr, float alpha, bool accumulate)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int p = 0; p < k; p++, a += lda, b += ldb)
        {
            var b0 = Vector256.Load(b);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), b0, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[1]), b0, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[2]), b0, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[3]), b0, c3);
            c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a[4]), b0, c4);
            c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a[5]), b0, c5);
        }
        var va = Vector256.Create(alpha);
        Store(c, c0 * va, accumulate);
        if (mr > 1) Store(c + ldc, c1 * va, accumulate);
        if (mr > 2) Store(c + 2 * ldc, c2 * va, accumulate);
        if (mr > 3) Store(c + 3 * ldc, c3 * va, accumulate);
        if (mr > 4) Store(c + 4 * ldc, c4 * va, accumulate);
        if (mr > 5) Store(c + 5 * ldc, c5 * va, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> x, bool accumulate) =>
        Vector256.Store(accumulate ? x + Vector256.Load(c) : x, c);

    // One column of the tile: the tail when n is not a multiple of 8 (and every column without FMA).
    private static void Column(int k, float* a, long lda, float* b, long ldb, float* c, long ldc, int mr, float alpha, bool accumulate)
    {
        for (int r = 0; r < mr; r++)
        {
            float sum = 0;
            for (int p = 0; p < k; p++) sum += a[p * lda + r] * b[p * ldb];
            float* cr = c + r * ldc;
            *cr = accumulate ? *cr + alpha * sum : alpha * sum;
        }
    }

    /// <summary>
    /// dst[d·ldd + j] = src[j·lds + d] for j &lt; rows, d &lt; cols, and zero for rows ≤ j &lt; ldd: a
    /// row-major [rows, cols] operand turned into the [cols, ldd] B that <see cref="Run"/> reads in place.
    /// </summary>
    public static void Transpose(float* src, int rows, int cols, long lds, float* dst, int ldd)
    {
        int d8 = Avx.IsSupported && ldd % 8 == 0 ? cols & ~7 : 0;
        // 8x8 blocks; rows past the end (up to ldd) transpose from zero vectors, which writes the padding.
        for (int j0 = 0; j0 < ldd && d8 > 0; j0 += 8)
        {
            int n = Math.Clamp(rows - j0, 0, 8);
            float* s = src + j0 * lds;
            for (int d0 = 0; d0 < d8; d0 += 8, s += 8)
                SgemmPack.Transpose8x8(Row(s, 0, n), Row(s + lds, 1, n), Row(s + 2 * lds, 2, n), Row(s + 3 * lds, 3, n),
                    Row(s + 4 * lds, 4, n), Row(s + 5 * lds, 5, n), Row(s + 6 * lds, 6, n), Row(s + 7 * lds, 7, n),
                    dst + (long)d0 * ldd + j0, ldd);
        }
        for (int d = d8; d < cols; d++)
            for (int j = 0; j < ldd; j++) dst[(long)d * ldd + j] = j < rows ? src[j * lds + d] : 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* s, int r, int rows) => r < rows ? Vector256.Load(s) : Vector256<float>.Zero;
}
