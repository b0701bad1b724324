using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Packs op(A) and op(B) blocks into the panel layouts the micro-kernels stream through:
/// A as [mc/MR panels][kc][MR] (alpha folded in), B as [nc/NR panels][kc][NR]; ragged edges
/// are zero-padded so the kernels never branch on shape inside the k loop.
/// </summary>
internal static unsafe class SgemmPack
{
    public const int MR = 6;

    /// <summary>Floats PackA may write past mc x kc (the tail of its last 8-wide store).</summary>
    public const int PackASlack = 8;

    /// <summary>Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A), scaled by alpha.</summary>
    public static void PackA(float* a, int lda, bool transA, int i0, int mc, int p0, int kc, float alpha, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            if (!transA && mr == MR)
            {
                float* r0 = a + (long)(i0 + ir) * lda + p0;
                float* r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                int p = 0;
                if (Avx.IsSupported)
                {
                    // 8 k steps at a time: transpose rows r0..r5 (+2 dummy copies of r5) and store each
                    // 8-float column at a 6-float stride; each store's 2-float tail is overwritten by the
                    // next one, the last tail lands in the slack the scratch keeps after PackA.
                    var va = Vector256.Create(alpha);
                    for (; p + 8 <= kc; p += 8, dst += 8 * MR)
                    {
                        Vector256<float> x5 = Avx.LoadVector256(r5 + p);
                        Transpose8x8(Avx.LoadVector256(r0 + p) * va, Avx.LoadVector256(r1 + p) * va,
                            Avx.LoadVector256(r2 + p) * va, Avx.LoadVector256(r3 + p) * va,
                            Avx.LoadVector256(r4 + p) * va, x5 * va, x5, x5, dst, MR);
                    }
                }
                for (; p < kc; p++, dst += MR)
                {
                    dst[0] = alpha * r0[p]; dst[1] = alpha * r1[p]; dst[2] = alpha * r2[p];
                    dst[3] = alpha * r3[p]; dst[4] = alpha * r4[p]; dst[5] = alpha * r5[p];
                }
            }
            else if (transA && mr == MR && Avx.IsSupported && i0 + ir + 8 <= lda)
            {
                // op(A)(i, p) = a[p * lda + i]: each k step is MR contiguous floats; load and store 8
                // (still inside row p) and let the next step overwrite the 2-float tail, as above.
                var va = Vector256.Create(alpha);
                float* src = a + (long)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, dst += MR, src += lda)
                    Avx.Store(dst, Avx.LoadVector256(src) * va);
            }
            else if (transA)
            {
                // op(A)(i, p) = a[p * lda + i]: each k step reads MR contiguous floats.
                for (int p = 0; p < kc; p++, dst += MR)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + ir;
                    for (int r = 0; r < MR; r++) dst[r] = r < mr ? alpha * src[r] : 0f;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, dst += MR)
                    for (int r = 0; r < MR; r++)
                        dst[r] = r < mr ? alpha * a[(long)(i0 + ir + r) * lda + p0 + p] : 0f;
            }
        }
    }

    /// <summary>Packs rows [p0, p0+kc) x cols [j0, j0+nc) of op(B) into NR-wide panels.</summary>
    public static void PackB(float* b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr, dst += (long)kc * nr)
        {
            int w = Math.Min(nr, nc - jr);
            if (!transB) PackBRows(b + (long)p0 * ldb + j0 + jr, ldb, kc, w, nr, dst);
            else PackBCols(b + (long)(j0 + jr) * ldb + p0, ldb, kc, w, nr, dst);
        }
    }

    // op(B) = B stored [k, n]: each k step is w contiguous floats.
    private static void PackBRows(float* src, int ldb, int kc, int w, int nr, float* dst)
    {
        if (w == nr && nr % 8 == 0)
        {
            for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                for (int j = 0; j < nr; j += 8)
                    Vector256.Store(Vector256.Load(src + j), dst + j);
            return;
        }
        for (int p = 0; p < kc; p++, src += ldb, dst += nr)
            for (int j = 0; j < nr; j++) dst[j] = j < w ? src[j] : 0f;
    }

    // op(B) = B^T with B stored [n, k]: column j of op(B) is row j of B, so transpose 8x8 tiles.
    private static void PackBCols(float* src, int ldb, int kc, int w, int nr, float* dst)
    {
        int p = 0;
        if (w == nr && nr % 8 == 0 && Avx.IsSupported)
        {
            for (; p + 8 <= kc; p += 8)
                for (int j = 0; j < nr; j += 8)
                    Transpose8x8(src + (long)j * ldb + p, ldb, dst + (long)p * nr + j, nr);
        }
        for (; p < kc; p++)
            for (int j = 0; j < nr; j++) dst[(long)p * nr + j] = j < w ? src[(long)j * ldb + p] : 0f;
    }

    internal static void Transpose8x8(float* s, long lds, float* d, long ldd) =>
        Transpose8x8(Avx.LoadVector256(s), Avx.LoadVector256(s + lds),
            Avx.LoadVector256(s + 2 * lds), Avx.LoadVector256(s + 3 * lds),
            Avx.LoadVector256(s + 4 * lds), Avx.LoadVector256(s + 5 * lds),
            Avx.LoadVector256(s + 6 * lds), Avx.LoadVector256(s + 7 * lds), d, ldd);

    // Stores column q of the 8x8 block [r0; ...; r7] at d + q * ldd, in increasing q.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, long ldd)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1),
            t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
            t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5),
            t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE),
            s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE),
            s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE),
            s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(d + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(d + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(d + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(d + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(d + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(d + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
