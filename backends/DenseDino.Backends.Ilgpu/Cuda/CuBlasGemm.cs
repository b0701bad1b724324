using DenseDino.Numerics;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.Cuda.API;

namespace DenseDino.Backends.Ilgpu.Cuda;

/// <summary>
/// Row-major batched SGEMM through cuBLAS on the accelerator's default stream, so it orders with
/// our kernels without syncs. The handle comes from ILGPU.Algorithms' <see cref="CuBlas"/>; the
/// strided-batched call it lacks goes straight to the library.
/// </summary>
internal sealed class CuBlasGemm : IDisposable
{
    // cuBLAS keeps gridDim.z ≤ 65535 for some algorithms: larger batches go in chunks.
    private const int MaxBatch = 65535;
    private readonly CudaAccelerator accelerator;
    private readonly CuBlas blas;
    private readonly bool bf16;

    public CuBlasGemm(CudaAccelerator accelerator, MatMulPrecision precision)
    {
        CuBlasLibrary.Load();
        this.accelerator = accelerator;
        blas = new CuBlas(accelerator, CuBlasAPIVersion.V12);
        blas.Stream = (CudaStream)accelerator.DefaultStream;
        blas.PointerMode = CuBlasPointerMode.Host;
        bf16 = precision == MatMulPrecision.Bf16;
        bool tf32 = precision == MatMulPrecision.Tf32;
        CuBlasNative.Check(CuBlasNative.SetMathMode(blas.Handle, tf32 ? CuBlasNative.Tf32TensorOpMath : CuBlasNative.DefaultMath), "cublasSetMathMode");
    }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for row-major operands starting at the views' first elements.
    /// cuBLAS is column-major: a row-major C[M,N] is C^T[N,M] there, so we ask for C^T = op(B)^T·op(A)^T,
    /// which swaps the operands and keeps each one's transpose flag.
    /// </summary>
    public void Run(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, in GemmShape s, float alpha, float beta)
    {
        // cuBLAS launches into the thread's current CUDA context, which is the last accelerator this
        // thread created or bound: with two backends in one process that may be the other one's.
        // (Binding did not cure the three-backend test failure seen on the H100; see bench/RESULTS.md.)
        accelerator.Bind();
        int opB = s.TransB ? CuBlasNative.OpT : CuBlasNative.OpN;
        int opA = s.TransA ? CuBlasNative.OpT : CuBlasNative.OpN;
        for (int b0 = 0; b0 < s.Batch; b0 += MaxBatch)
        {
            int nb = Math.Min(MaxBatch, s.Batch - b0);
            IntPtr pa = a.SubView(b0 * s.StrideA).LoadEffectiveAddressAsPtr();
            IntPtr pb = b.SubView(b0 * s.StrideB).LoadEffectiveAddressAsPtr();
            IntPtr pc = c.SubView(b0 * s.StrideC).LoadEffectiveAddressAsPtr();
            if (bf16)
            {
                // fp32 in and out; cuBLAS rounds A and B to bf16 for the tensor cores and accumulates in fp32.
                const int f32 = CuBlasNative.CudaR32F;
                CuBlasNative.Check(CuBlasNative.GemmStridedBatchedEx(blas.Handle, opB, opA, s.N, s.M, s.K,
                    alpha, pb, f32, s.Ldb, s.StrideB, pa, f32, s.Lda, s.StrideA,
                    beta, pc, f32, s.Ldc, s.StrideC, nb, CuBlasNative.ComputeR32FFastBf16, CuBlasNative.GemmDefault), "cublasGemmStridedBatchedEx");
                continue;
            }
            CuBlasNative.Check(CuBlasNative.SgemmStridedBatched(blas.Handle, opB, opA, s.N, s.M, s.K,
                alpha, pb, s.Ldb, s.StrideB, pa, s.Lda, s.StrideA,
                beta, pc, s.Ldc, s.StrideC, nb), "cublasSgemmStridedBatched");
        }
    }

    public void Dispose() => blas.Dispose();
}
