namespace DenseDino.Backends.Cpu.Reference;

/// <summary>
/// The slow oracle for <see cref="Kernels.Sgemm"/>: same contract, plain triple loop,
/// double accumulation so that its own rounding error is negligible next to the fast kernel's.
/// </summary>
internal static unsafe class NaiveGemm
{
    public static void Run(int batch, int m, int n, int k, float alpha,
        float* a, long strideA, int lda, bool transA,
        float* b, long strideB, int ldb, bool transB,
        float beta, float* c, long strideC, int ldc, float* bias, int threads)
    {
        _ = threads; // the oracle is single-threaded on purpose
        for (int bi = 0; bi < batch; bi++)
        {
            float* ab = a + bi * strideA, bb = b + bi * strideB, cb = c + bi * strideC;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? ab[(long)p * lda + i] : ab[(long)i * lda + p];
                    double y = transB ? bb[(long)j * ldb + p] : bb[(long)p * ldb + j];
                    acc += x * y;
                }
                double r = alpha * acc;
                // beta == 0 must not read C: it may hold NaN garbage.
                if (beta != 0) r += (double)beta * cb[(long)i * ldc + j];
                if (bias != null) r += bias[j];
                cb[(long)i * ldc + j] = (float)r;
            }
        }
    }
}
