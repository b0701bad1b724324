namespace DenseDino.Backends.Cpu.Kernels;

internal static unsafe class Sgemm
{
    public static void Run(int batch, int m, int n, int k, float alpha,
        float* a, long strideA, int lda, bool transA,
        float* b, long strideB, int ldb, bool transB,
        float beta, float* c, long strideC, int ldc, float* bias, int threads) =>
        Reference.NaiveGemm.Run(batch, m, n, k, alpha, a, strideA, lda, transA, b, strideB, ldb, transB, beta, c, strideC, ldc, bias, threads);
}
