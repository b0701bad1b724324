namespace DenseDino.Backends.Ilgpu;

/// <summary>Which GEMM runs matrix products: cuBLAS where it loads (CUDA), or our tiled kernel.</summary>
public enum GemmEngine
{
    /// <summary>cuBLAS on CUDA when the library loads, else the kernel (the backend's Name says which).</summary>
    Auto,
    /// <summary>Our register-tiled kernel on every accelerator.</summary>
    Kernel,
    /// <summary>cuBLAS, failing at start when it cannot be loaded (CUDA only).</summary>
    CuBlas,
}

/// <summary>
/// Arithmetic of matrix products. Fp32 is the reference. Tf32 and Bf16 run cuBLAS tensor cores on
/// operands rounded to TF32 (10-bit mantissa) or bf16 (7-bit), accumulating in fp32; tensors,
/// master weights, optimiser state and the loss stay fp32 either way. Bf16 is cuBLAS's
/// COMPUTE_32F_FAST_16BF, which allows bf16 rounding but does not oblige it: on the H100 (CUDA 13)
/// it ran with TF32's accuracy and speed.
/// </summary>
public enum MatMulPrecision
{
    Fp32,
    Tf32,
    Bf16,
}

/// <summary>
/// Settings of an <see cref="IlgpuBackend"/> beyond the device. BiasEpilogue: with cuBLAS, products
/// that carry a bias run through cuBLASLt with the bias added in the GEMM's epilogue instead of being
/// folded into C first. Null (the default) uses it wherever cuBLAS runs on CUDA and libcublasLt loads
/// (on the H100 it made the whole training step 6-9% faster); true requires it, false folds.
/// </summary>
public sealed record IlgpuOptions(GemmEngine Gemm = GemmEngine.Auto, MatMulPrecision Precision = MatMulPrecision.Fp32, bool? BiasEpilogue = null)
{
    public static IlgpuOptions Default { get; } = new();

    public static GemmEngine ParseGemm(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => GemmEngine.Auto,
        "kernel" => GemmEngine.Kernel,
        "cublas" => GemmEngine.CuBlas,
        _ => throw new ArgumentException($"gemm = '{name}': expected auto, kernel or cublas"),
    };

    public static MatMulPrecision ParsePrecision(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fp32" => MatMulPrecision.Fp32,
        "tf32" => MatMulPrecision.Tf32,
        "bf16" => MatMulPrecision.Bf16,
        _ => throw new ArgumentException($"precision = '{name}': expected fp32, tf32 or bf16"),
    };
}
