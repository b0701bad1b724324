namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Batched SGEMM with shared-memory tiles: a 16×16 group computes a 16×16 block of C,
/// each thread one element (grid: ⌈N/16⌉ × ⌈M/16⌉ × batch). Register tiling is the next step.
/// </summary>
public static class GemmKernels
{
    public const int Tile = 16;

    [Kernel(grouped: true)]
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArgs p)
    {
        var tileA = SharedMemory.Allocate<float>(Tile * Tile);
        var tileB = SharedMemory.Allocate<float>(Tile * Tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        int col = Grid.IdxX * Tile + tx, row = Grid.IdxY * Tile + ty;
        long batch = p.BatchBase + Grid.IdxZ;
        long aBase = batch * p.StrideA, bBase = batch * p.StrideB, cBase = batch * p.StrideC;
        float acc = 0f;
        for (int k0 = 0; k0 < p.K; k0 += Tile)
        {
            // A tile [row, k0 + tx]; A is [M,K] or, transposed, [K,M].
            int ka = k0 + tx;
            float va = 0f;
            if (row < p.M && ka < p.K)
                va = p.TransA != 0 ? a[aBase + (long)ka * p.Lda + row] : a[aBase + (long)row * p.Lda + ka];
            tileA[ty * Tile + tx] = va;
            // B tile [k0 + ty, col]; B is [K,N] or, transposed, [N,K].
            int kb = k0 + ty;
            float vb = 0f;
            if (kb < p.K && col < p.N)
                vb = p.TransB != 0 ? b[bBase + (long)col * p.Ldb + kb] : b[bBase + (long)kb * p.Ldb + col];
            tileB[ty * Tile + tx] = vb;
            Group.Barrier();
            for (int kk = 0; kk < Tile; kk++) acc += tileA[ty * Tile + kk] * tileB[kk * Tile + tx];
            Group.Barrier();
        }
        if (row < p.M && col < p.N)
        {
            long at = cBase + (long)row * p.Ldc + col;
            float r = p.Alpha * acc;
            if (p.Beta != 0f) r += p.Beta * c[at]; // beta == 0 never reads C (it may hold NaN)
            if (p.HasBias != 0) r += bias[col];
            c[at] = r;
        }
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
