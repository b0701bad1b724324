using DenseDino.Backends.Cpu;
using DenseDino.Backends.Ilgpu.Cuda;
using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>
/// GEMM engines at ViT-Tiny shapes: cuBLAS (fp32, TF32 and bf16) and our kernel on CUDA against the CPU
/// backend. Every CUDA case skips with the reason where there is no device (CI).
/// </summary>
public sealed class CudaGemmTests
{
    private static readonly CpuBackend Cpu = new(threads: 2);

    public static TheoryData<string, int, int, int, int, bool, bool, bool, float> Shapes => new()
    {
        // name, batch, M, N, K, transA, transB, bias, beta (B shared across the batch unless batch > 1 and name says attn)
        { "qkv", 1, 394, 576, 192, false, true, true, 0f },
        { "qkv-dW", 1, 576, 192, 394, true, false, false, 1f },
        { "mlp-dX", 1, 394, 192, 768, false, false, false, 0.5f },
        { "attn-scores", 12, 197, 197, 64, false, true, false, 0f },
        { "attn-dV", 12, 197, 64, 197, true, false, false, 0f },
        { "head", 1, 33, 4099, 256, false, true, false, 0f },
        { "odd", 3, 1, 37, 5, true, true, true, 1f },
        { "k0", 2, 3, 4, 0, false, false, true, 0.5f },
        // One block of C over a long K: our kernel splits it along K on a GPU (a weight gradient's shape).
        { "long-k-dW", 1, 64, 40, 3000, true, false, true, 0.5f },
    };

    // The bias folded into C first (BiasEpilogue: false).
    [Theory, MemberData(nameof(Shapes))]
    public void CuBlasFp32MatchesCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, BiasEpilogue: false)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Fp32);

    // The biased cases run through cuBLASLt's bias epilogue (the default with cuBLAS); the others (and batched ones) keep cuBLAS.
    [Theory, MemberData(nameof(Shapes))]
    public void CuBlasLtBiasEpilogueMatchesCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, BiasEpilogue: true)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Fp32);

    [Theory, MemberData(nameof(Shapes))]
    public void CuBlasLtBiasEpilogueTf32IsCloseToCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, MatMulPrecision.Tf32, BiasEpilogue: true)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Tf32);

    [Theory, MemberData(nameof(Shapes))]
    public void KernelMatchesCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.Kernel)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Fp32);

    [Theory, MemberData(nameof(Shapes))]
    public void CuBlasTf32IsCloseToCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, MatMulPrecision.Tf32)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Tf32);

    [Theory, MemberData(nameof(Shapes))]
    public void CuBlasBf16IsCloseToCpu(string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta) =>
        Compare(IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, MatMulPrecision.Bf16)), name, batch, m, n, k, ta, tb, bias, beta, MatMulPrecision.Bf16);

    [Fact]
    public void Tf32RoundsWhereFp32DoesNot()
    {
        var fp32 = IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas));
        var tf32 = IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, MatMulPrecision.Tf32));
        var shape = new GemmShape(1, 64, 64, 256, false, false, 0, 0, 0);
        float[] a = Random(64 * 256, 1), b = Random(256 * 64, 2);
        float[] r32 = Run(fp32, a, b, null, shape, 1f, 0f, null), r19 = Run(tf32, a, b, null, shape, 1f, 0f, null);
        double maxDiff = r32.Zip(r19, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxDiff > 1e-5, $"TF32 gave the fp32 result bit for bit (max |diff| {maxDiff:E2}): tensor-op math is not on");
    }

    /// <summary>
    /// CUBLAS_COMPUTE_32F_FAST_16BF allows cuBLAS to round the operands to bf16 (7 mantissa bits); it
    /// does not oblige it. On this product bf16 operands would give a mean error against fp32 of ~9e-3,
    /// TF32 ~1e-3 and fp32 ~1e-7 (emulated in NumPy); the H100 measured 1.1e-3 (2026-11-27), so there
    /// cuBLAS picks TF32-accurate kernels at this shape. A mean error in [2e-4, 3e-2] is reduced-precision
    /// tensor-op math no worse than bf16: not fp32 (the mode would be off) and not garbage. One CUDA
    /// backend per test: a three-backend version failed on the H100 with CUBLAS_STATUS_EXECUTION_FAILED.
    /// </summary>
    [Fact]
    public void Bf16IsReducedPrecisionWithinBf16sError()
    {
        var bf16 = IlgpuTestBackends.CudaWith(new IlgpuOptions(GemmEngine.CuBlas, MatMulPrecision.Bf16));
        var shape = new GemmShape(1, 64, 64, 256, false, false, 0, 0, 0);
        float[] a = Random(64 * 256, 1), b = Random(256 * 64, 2);
        float[] exact = Run(Cpu, a, b, null, shape, 1f, 0f, null), rounded = Run(bf16, a, b, null, shape, 1f, 0f, null);
        double meanError = exact.Zip(rounded, (x, y) => Math.Abs(x - y)).Average();
        Assert.InRange(meanError, 2e-4, 3e-2);
    }

    private static void Compare(IBackend gpu, string name, int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta, MatMulPrecision precision)
    {
        bool sharedB = !name.StartsWith("attn", StringComparison.Ordinal);
        var shape = new GemmShape(batch, m, n, k, ta, tb, (long)m * k, sharedB ? 0 : (long)k * n, (long)m * n);
        float[] a = Random(batch * m * k, 1), b = Random((sharedB ? 1 : batch) * k * n, 2), bv = Random(n, 3), c0 = Random(batch * m * n, 4);
        float[] expected = Run(Cpu, a, b, bias ? bv : null, shape, 0.75f, beta, c0);
        float[] actual = Run(gpu, a, b, bias ? bv : null, shape, 0.75f, beta, c0);
        // fp32: reordered sums only. TF32 keeps 10 mantissa bits per operand (~1e-3 relative per
        // product), bf16 7 bits (~8e-3).
        double perProduct = precision switch { MatMulPrecision.Tf32 => 2e-3, MatMulPrecision.Bf16 => 1.6e-2, _ => 1e-5 };
        double tol = perProduct * Math.Sqrt(Math.Max(k, 1));
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tol * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{name} {shape} on {gpu.Name}: c[{i}] = {actual[i]:R}, cpu {expected[i]:R}");
    }

    private static float[] Run(IBackend backend, float[] a, float[] b, float[]? bias, GemmShape shape, float alpha, float beta, float[]? c0)
    {
        using var scope = TensorScope.Begin();
        var c = c0 is not null && beta != 0 ? Tensor.FromArray(backend, c0, [c0.Length]) : Tensor.Full(backend, [shape.Batch * shape.M * shape.N], float.NaN);
        backend.MatMul(Tensor.FromArray(backend, a, [a.Length]), Tensor.FromArray(backend, b, [b.Length]),
            bias is null ? null : Tensor.FromArray(backend, bias, [bias.Length]), shape, alpha, beta, c);
        return c.ToArray();
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }
}

public sealed class CuBlasLibraryTests
{
    [Fact]
    public void LoadsOrListsEveryCandidateTried() => LoadsOrLists("cublas", () =>
    {
        CuBlasLibrary.Load();
        return CuBlasLibrary.LoadedFrom;
    });

    [Fact]
    public void CuBlasLtLoadsOrListsEveryCandidateTried() => LoadsOrLists("cublasLt", () => CuBlasLtLibrary.Load().LoadedFrom);

    // Where the library exists it says where from; where not, the error names CUDA 13's and 12's files.
    private static void LoadsOrLists(string library, Func<string?> load)
    {
        try
        {
            Assert.False(string.IsNullOrEmpty(load()));
        }
        catch (DllNotFoundException e)
        {
            Assert.Contains("tried:", e.Message);
            Assert.Contains(OperatingSystem.IsWindows() ? $"{library}64_13.dll" : $"lib{library}.so.13", e.Message);
            Assert.Contains(OperatingSystem.IsWindows() ? $"{library}64_12.dll" : $"lib{library}.so.12", e.Message);
        }
    }

    [Fact]
    public void BiasEpilogueWithoutCuBlasIsRejectedAtStart()
    {
        var e = Assert.Throws<ArgumentException>(() => IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(GemmEngine.Kernel, BiasEpilogue: true)));
        Assert.Contains("bias epilogue needs cuBLAS", e.Message);
    }

    [Fact]
    public void BiasEpilogueByDefaultOnlyWhereCuBlasRuns()
    {
        using var kernel = IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(GemmEngine.Kernel));
        Assert.DoesNotContain("lt-bias", kernel.Name);
        using var folded = IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(BiasEpilogue: false));
        Assert.DoesNotContain("lt-bias", folded.Name);
    }

    [Fact]
    public void ReducedPrecisionWithoutCuBlasIsRejectedAtStart()
    {
        var e = Assert.Throws<ArgumentException>(() => IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(Precision: MatMulPrecision.Tf32)));
        Assert.Contains("tf32", e.Message);
        var b = Assert.Throws<ArgumentException>(() => IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(Precision: MatMulPrecision.Bf16)));
        Assert.Contains("precision = bf16 needs cuBLAS", b.Message);
        var e2 = Assert.Throws<ArgumentException>(() => IlgpuBackend.Create("ilgpu-cpu", 0, new IlgpuOptions(GemmEngine.CuBlas)));
        Assert.Contains("CUDA", e2.Message);
    }

    [Fact]
    public void OptionNamesParseAndBadOnesAreNamed()
    {
        Assert.Equal(GemmEngine.CuBlas, IlgpuOptions.ParseGemm(" CUBLAS "));
        Assert.Equal(MatMulPrecision.Tf32, IlgpuOptions.ParsePrecision("tf32"));
        Assert.Equal(MatMulPrecision.Bf16, IlgpuOptions.ParsePrecision(" BF16"));
        Assert.Contains("gemm = 'fast'", Assert.Throws<ArgumentException>(() => IlgpuOptions.ParseGemm("fast")).Message);
        Assert.Contains("precision = 'fp8'", Assert.Throws<ArgumentException>(() => IlgpuOptions.ParsePrecision("fp8")).Message);
    }
}
