using System.Runtime.InteropServices;

namespace DenseDino.Backends.Ilgpu.Cuda;

/// <summary>The cuBLAS entry points ILGPU.Algorithms' wrapper lacks (strided batched GEMM, TF32 math mode, GemmEx compute types).</summary>
internal static partial class CuBlasNative
{
    // Resolved to the library CuBlasLibrary loaded (CUDA 11–13).
    private const string Lib = "libcublas";

    public const int OpN = 0, OpT = 1;
    public const int DefaultMath = 0, Tf32TensorOpMath = 3;
    public const int CudaR32F = 0, CudaR16BF = 14;
    public const int ComputeR32F = 68, ComputeR32FFastTf32 = 77, ComputeR32FFastBf16 = 75;
    public const int GemmDefault = -1;

    [LibraryImport(Lib, EntryPoint = "cublasSgemmStridedBatched")]
    public static partial int SgemmStridedBatched(IntPtr handle, int transA, int transB, int m, int n, int k,
        in float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        in float beta, IntPtr c, int ldc, long strideC, int batchCount);

    /// <summary>The typed variant: fp32 storage with a reduced-precision compute type (e.g. bf16 tensor cores, fp32 accumulate).</summary>
    [LibraryImport(Lib, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static partial int GemmStridedBatchedEx(IntPtr handle, int transA, int transB, int m, int n, int k,
        in float alpha, IntPtr a, int aType, int lda, long strideA, IntPtr b, int bType, int ldb, long strideB,
        in float beta, IntPtr c, int cType, int ldc, long strideC, int batchCount, int computeType, int algo);

    [LibraryImport(Lib, EntryPoint = "cublasSetMathMode")]
    public static partial int SetMathMode(IntPtr handle, int mode);

    /// <summary>Throws on a non-zero cublasStatus_t (cuBLAS and cuBLASLt share the enum), naming the call.</summary>
    public static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with cuBLAS status {status}");
    }
}
