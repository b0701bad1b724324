namespace DenseDino.Backends.Cpu.Reference;

/// <summary>The slow oracle for Sgemm: a plain triple loop with double accumulation.</summary>
internal static unsafe class NaiveGemm
{
    public static void Run(int batch, int m, int n, int k, float alpha,
        float* a, long strideA, int lda, bool transA,
        float* b, long strideB, int ldb, bool transB,
        float beta, float* c, long strideC, int ldc, float* bias, int threads)
    {
        for (int p = 0; p < batch; p++)
        {
            float* A = a + p * strideA, B = b + p * strideB, C = c + p * strideC;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int q = 0; q < k; q++)
                        acc += (double)(transA ? A[q * lda + i] : A[i * lda + q]) * (transB ? B[j * ldb + q] : B[q * ldb + j]);
                    double v = alpha * acc + (beta == 0 ? 0 : beta * C[i * ldc + j]) + (bias == null ? 0 : bias[j]);
                    C[i * ldc + j] = (float)v;
                }
        }
    }
}
