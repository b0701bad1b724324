namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Batched SGEMM, register-tiled: a 16×16 group computes a 128×128 block of C, each thread an 8×8
/// register tile (rows ty + 16·i, columns tx + 16·j, so shared-memory reads are broadcasts or
/// consecutive and stores to C coalesce). K advances 8 at a time through shared memory, the next
/// slab's global loads issued before the current slab's 512 FMAs per thread. Grid: ⌈N/128⌉ × ⌈M/128⌉ × batch.
/// 16 shared loads feed 64 FMAs (the textbook one-element-per-thread kernel needs 2 per FMA).
/// </summary>
public static class GemmKernels
{
    public const int Threads = 16, PerThread = 8, Block = Threads * PerThread, Depth = 8;

    // Shared rows padded by 4 floats: a warp's transposing stores (8 k x 4 rows) then hit 32 distinct banks.
    private const int Pitch = Block + 4;

    /// <summary>Eight accumulators or operands held in registers (a struct of scalars, never local memory).</summary>
    public struct Vec8
    {
        public float X0, X1, X2, X3, X4, X5, X6, X7;
    }

    [Kernel(grouped: true)]
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArgs p)
    {
        var sa = SharedMemory.Allocate<float>(Depth * Pitch); // sa[k·Pitch + m]: the block's A slab, k-major
        var sb = SharedMemory.Allocate<float>(Depth * Pitch); // sb[k·Pitch + n]: the block's B slab
        int tx = Group.IdxX, ty = Group.IdxY, tid = ty * Threads + tx;
        int m0 = Grid.IdxY * Block, n0 = Grid.IdxX * Block;
        long batch = p.BatchBase + Grid.IdxZ;
        long aBase = batch * p.StrideA, bBase = batch * p.StrideB, cBase = batch * p.StrideC;
        // Split-K: this item's share of the depth (the last one's may be shorter).
        int rest = p.KTotal - (int)batch * p.K;
        int depth = p.KTotal > 0 && rest < p.K ? rest : p.K;

        // Each thread moves 4 elements of each 128×8 slab; which ones depends on the storage order, so
        // that consecutive threads read consecutive addresses where the layout allows.
        bool aRowsOfK = p.TransA == 0, bRowsOfK = p.TransB != 0; // A stored [M,K]; B stored [N,K]
        int aM = aRowsOfK ? tid >> 3 : tid & (Block - 1), aK = aRowsOfK ? tid & 7 : tid >> 7;
        int bN = bRowsOfK ? tid >> 3 : tid & (Block - 1), bK = bRowsOfK ? tid & 7 : tid >> 7;
        int aStepM = aRowsOfK ? 32 : 0, aStepK = aRowsOfK ? 0 : 2, bStepN = bRowsOfK ? 32 : 0, bStepK = bRowsOfK ? 0 : 2;

        // X0..X3 of ra / rb: this thread's 4 elements of the next A / B slab (X4..X7 unused).
        Vec8 ra = LoadSlab(a, aBase, p.Lda, p.TransA, m0 + aM, aStepM, aK, aStepK, p.M, depth);
        Vec8 rb = LoadSlab(b, bBase, p.Ldb, p.TransB != 0 ? 0 : 1, n0 + bN, bStepN, bK, bStepK, p.N, depth);

        Vec8 c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int k0 = 0; k0 < depth; k0 += Depth)
        {
            sa[aK * Pitch + aM] = ra.X0;
            sa[(aK + aStepK) * Pitch + aM + aStepM] = ra.X1;
            sa[(aK + 2 * aStepK) * Pitch + aM + 2 * aStepM] = ra.X2;
            sa[(aK + 3 * aStepK) * Pitch + aM + 3 * aStepM] = ra.X3;
            sb[bK * Pitch + bN] = rb.X0;
            sb[(bK + bStepK) * Pitch + bN + bStepN] = rb.X1;
            sb[(bK + 2 * bStepK) * Pitch + bN + 2 * bStepN] = rb.X2;
            sb[(bK + 3 * bStepK) * Pitch + bN + 3 * bStepN] = rb.X3;
            Group.Barrier();
            if (k0 + Depth < depth)
            {
                ra = LoadSlab(a, aBase, p.Lda, p.TransA, m0 + aM, aStepM, k0 + Depth + aK, aStepK, p.M, depth);
                rb = LoadSlab(b, bBase, p.Ldb, p.TransB != 0 ? 0 : 1, n0 + bN, bStepN, k0 + Depth + bK, bStepK, p.N, depth);
            }
            for (int kk = 0; kk < Depth; kk++)
            {
                Vec8 av = Read8(sa, kk * Pitch + ty), bv = Read8(sb, kk * Pitch + tx);
                c0 = Fma(c0, av.X0, bv); c1 = Fma(c1, av.X1, bv); c2 = Fma(c2, av.X2, bv); c3 = Fma(c3, av.X3, bv);
                c4 = Fma(c4, av.X4, bv); c5 = Fma(c5, av.X5, bv); c6 = Fma(c6, av.X6, bv); c7 = Fma(c7, av.X7, bv);
            }
            Group.Barrier();
        }
        int row = m0 + ty, col = n0 + tx;
        StoreRow(c, cBase, bias, p, row, col, c0); StoreRow(c, cBase, bias, p, row + 16, col, c1);
        StoreRow(c, cBase, bias, p, row + 32, col, c2); StoreRow(c, cBase, bias, p, row + 48, col, c3);
        StoreRow(c, cBase, bias, p, row + 64, col, c4); StoreRow(c, cBase, bias, p, row + 80, col, c5);
        StoreRow(c, cBase, bias, p, row + 96, col, c6); StoreRow(c, cBase, bias, p, row + 112, col, c7);
    }

    // Four elements (outer index o + q·stepO, inner k + q·stepK) of one operand; zeros outside [0, outer) × [0, depth).
    // transposed != 0: stored [depth, outer] (element at k·ld + o), else [outer, depth] (o·ld + k).
    private static Vec8 LoadSlab(ArrayView<float> x, long xBase, int ld, int transposed, int o, int stepO, int k, int stepK, int outer, int depth)
    {
        Vec8 r = default;
        r.X0 = Load(x, xBase, ld, transposed, o, k, outer, depth);
        r.X1 = Load(x, xBase, ld, transposed, o + stepO, k + stepK, outer, depth);
        r.X2 = Load(x, xBase, ld, transposed, o + 2 * stepO, k + 2 * stepK, outer, depth);
        r.X3 = Load(x, xBase, ld, transposed, o + 3 * stepO, k + 3 * stepK, outer, depth);
        return r;
    }

    private static float Load(ArrayView<float> x, long xBase, int ld, int transposed, int o, int k, int outer, int depth)
    {
        if (o >= outer || k >= depth) return 0f;
        return transposed != 0 ? x[xBase + (long)k * ld + o] : x[xBase + (long)o * ld + k];
    }

    private static Vec8 Read8(ArrayView<float> s, int at)
    {
        Vec8 r;
        r.X0 = s[at]; r.X1 = s[at + 16]; r.X2 = s[at + 32]; r.X3 = s[at + 48];
        r.X4 = s[at + 64]; r.X5 = s[at + 80]; r.X6 = s[at + 96]; r.X7 = s[at + 112];
        return r;
    }

    private static Vec8 Fma(Vec8 acc, float x, Vec8 y)
    {
        acc.X0 += x * y.X0; acc.X1 += x * y.X1; acc.X2 += x * y.X2; acc.X3 += x * y.X3;
        acc.X4 += x * y.X4; acc.X5 += x * y.X5; acc.X6 += x * y.X6; acc.X7 += x * y.X7;
        return acc;
    }

    // Columns col + 16·j of one row of C: alpha·acc (+ beta·C) (+ bias).
    private static void StoreRow(ArrayView<float> c, long cBase, ArrayView<float> bias, GemmArgs p, int row, int col, Vec8 acc)
    {
        if (row >= p.M) return;
        long at = cBase + (long)row * p.Ldc;
        Store(c, at, bias, p, col, acc.X0); Store(c, at, bias, p, col + 16, acc.X1);
        Store(c, at, bias, p, col + 32, acc.X2); Store(c, at, bias, p, col + 48, acc.X3);
        Store(c, at, bias, p, col + 64, acc.X4); Store(c, at, bias, p, col + 80, acc.X5);
        Store(c, at, bias, p, col + 96, acc.X6); Store(c, at, bias, p, col + 112, acc.X7);
    }

    private static void Store(ArrayView<float> c, long rowAt, ArrayView<float> bias, GemmArgs p, int col, float acc)
    {
        if (col >= p.N) return;
        float r = p.Alpha * acc;
        if (p.Beta != 0f) r += p.Beta * c[rowAt + col]; // beta == 0 never reads C (it may hold NaN)
        if (p.HasBias != 0) r += bias[col];
        c[rowAt + col] = r;
    }

    /// <summary>
    /// Split-K's second pass: C = alpha·Σ_z partial[z] + beta·C + bias[col] over M·N elements (partial [splits, M, N]
    /// dense, C rows Ldc apart): one thread per element, the partial products summed in z order.
    /// </summary>
    [Kernel]
    public static void GemmSplitReduce(Index1D i, ArrayView<float> partial, ArrayView<float> bias, ArrayView<float> c, GemmArgs p, int splits)
    {
        int row = i / p.N, col = i - row * p.N;
        long mn = (long)p.M * p.N;
        float sum = 0f;
        for (int z = 0; z < splits; z++) sum += partial[z * mn + i];
        long at = (long)row * p.Ldc + col;
        float r = p.Alpha * sum;
        if (p.Beta != 0f) r += p.Beta * c[at]; // beta == 0 never reads C (it may hold NaN)
        if (p.HasBias != 0) r += bias[col];
        c[at] = r;
    }

    /// <summary>
    /// C = beta·C + bias[col] over batch·M·N elements (rows of C Ldc apart, batches StrideC apart):
    /// folds the bias and beta into C before an external GEMM accumulates onto it.
    /// </summary>
    [Kernel]
    public static void GemmBiasInit(Index1D i, ArrayView<float> c, ArrayView<float> bias, GemmArgs p)
    {
        // 32-bit index math (the launch is ≤ 2^31 elements): GPUs emulate 64-bit division.
        int mn = p.M * p.N;
        int batch = i / mn, r = i - batch * mn;
        int row = r / p.N, col = r - row * p.N;
        long at = batch * p.StrideC + (long)row * p.Ldc + col;
        float v = p.Beta != 0f ? p.Beta * c[at] : 0f; // beta == 0 never reads C (it may hold NaN)
        if (p.HasBias != 0) v += bias[col];
        c[at] = v;
    }
}
