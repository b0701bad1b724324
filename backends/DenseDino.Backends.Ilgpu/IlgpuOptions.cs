namespace DenseDino.Backends.Ilgpu;

/// <summary>Which GEMM runs matrix products: cuBLAS where it loads (CUDA), or our tiled kernel.</summary>
public enum GemmEngine
{
    /// <summary>cuBLAS on CUDA when the library loads, else the kernel (the backend's Name says which).</summary>
    Auto,
    /// <summary>Our shared-memory tiled kernel on every accelerator.</summary>
    Kernel,
    /// <summary>cuBLAS, failing at start when it cannot be loaded (CUDA only).</summary>
    CuBlas,
}

/// <summary>Arithmetic of matrix products: fp32 everywhere, or TF32 tensor cores through cuBLAS (fp32 storage).</summary>
public enum MatMulPrecision
{
    Fp32,
    Tf32,
}

/// <summary>Settings of an <see cref="IlgpuBackend"/> beyond the device.</summary>
public sealed record IlgpuOptions(GemmEngine Gemm = GemmEngine.Auto, MatMulPrecision Precision = MatMulPrecision.Fp32)
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
        _ => throw new ArgumentException($"precision = '{name}': expected fp32 or tf32 (bf16 is not implemented yet)"),
    };
}
