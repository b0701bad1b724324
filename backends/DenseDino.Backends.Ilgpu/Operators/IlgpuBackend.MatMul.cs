using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Cuda;
using DenseDino.Backends.Ilgpu.Kernels;
using ILGPU.Runtime.Cuda;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // CUDA caps grid z at 65535: larger batches go in chunks.
    private const int MaxGridZ = 65535;
    private readonly CuBlasGemm? blas;
    private readonly CuBlasLtBiasGemm? biasGemm;

    public void MatMul(Tensor a, Tensor b, Tensor? bias, in GemmShape s, float alpha, float beta, Tensor c, Tensor? addend = null)
    {
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        if (GemmAddend.Applies(addend, s, beta, c))
        {
            // cuBLASLt reads the addend as C and writes D = c, bias in the epilogue: no pass over C first.
            if (bias is not null && biasGemm is not null && biasGemm.TryRun(V(a), V(b), V(bias), V(c), s, alpha, beta, V(addend!)))
                return;
            GemmAddend.ThroughC(this, a, b, bias, s, alpha, beta, c, addend!);
            return;
        }
        Gemm(Whole(a), a.Offset, Whole(b), b.Offset, bias is null ? null : V(bias), Whole(c), c.Offset, s, alpha, beta);
    }

    /// <summary>cuBLAS where options and the accelerator allow it, else our kernel; TF32 needs cuBLAS.</summary>
    private static (CuBlasGemm? Blas, string Name) ChooseGemm(Accelerator accelerator, IlgpuOptions options)
    {
        bool reduced = options.Precision != MatMulPrecision.Fp32;
        string precision = options.Precision.ToString().ToLowerInvariant();
        if (options.Gemm == GemmEngine.Kernel || (options.Gemm == GemmEngine.Auto && accelerator is not CudaAccelerator))
        {
            if (reduced) throw new ArgumentException($"precision = {precision} needs cuBLAS on a CUDA device; {accelerator.AcceleratorType} with gemm = {options.Gemm} has only fp32");
            return (null, "kernel");
        }
        if (accelerator is not CudaAccelerator cuda)
            throw new ArgumentException($"gemm = cublas needs a CUDA device, not {accelerator.AcceleratorType}");
        try
        {
            return (new CuBlasGemm(cuda, options.Precision), reduced ? $"cublas-{precision}" : "cublas");
        }
        catch (DllNotFoundException e) when (options.Gemm == GemmEngine.Auto && !reduced)
        {
            return (null, $"kernel; {e.Message}");
        }
    }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C (+ bias per column) on whole-buffer views with element offsets
    /// (also used by attention). With cuBLAS, the bias goes into cuBLASLt's epilogue where that is on and
    /// applies, else it is first folded into C (C = beta·C + bias) and the product accumulates onto it.
    /// </summary>
    internal void Gemm(ArrayView<float> a, long aOff, ArrayView<float> b, long bOff, ArrayView<float>? bias, ArrayView<float> c, long cOff,
        in GemmShape s, float alpha, float beta)
    {
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        var args = new GemmArgs
        {
            M = s.M, N = s.N, K = s.K, TransA = s.TransA ? 1 : 0, TransB = s.TransB ? 1 : 0, HasBias = bias is null ? 0 : 1,
            Lda = s.Lda, Ldb = s.Ldb, Ldc = s.Ldc,
            StrideA = s.StrideA, StrideB = s.StrideB, StrideC = s.StrideC, Alpha = alpha, Beta = beta,
        };
        var av = a.SubView(aOff, a.Length - aOff);
        var bv = b.SubView(bOff, b.Length - bOff);
        var cv = c.SubView(cOff, c.Length - cOff);
        if (blas is not null)
        {
            if (bias is { } biasView)
            {
                if (biasGemm is not null && biasGemm.TryRun(av, bv, biasView, cv, s, alpha, beta)) return;
                K.GemmBiasInit(Count((long)s.Batch * s.M * s.N), cv, biasView, args);
                beta = 1f;
            }
            if (s.K == 0)
            {
                // cuBLAS leaves C untouched when K = 0 only for beta = 1; scale it ourselves.
                if (beta != 1f) K.GemmBiasInit(Count((long)s.Batch * s.M * s.N), cv, cv, args with { HasBias = 0, Beta = beta });
                return;
            }
            blas.Run(av, bv, cv, s, alpha, beta);
            return;
        }
        int splits = SplitCount(s, out int chunk);
        if (splits > 1)
        {
            SplitKGemm(av, bv, bias, cv, s, args, splits, chunk);
            return;
        }
        var (nx, ny) = BlockGrid(s);
        var group = new Index3D(GemmKernels.Threads, GemmKernels.Threads, 1);
        for (int b0 = 0; b0 < s.Batch; b0 += MaxGridZ)
        {
            args.BatchBase = b0;
            K.Gemm(new KernelConfig(new Index3D(nx, ny, Math.Min(MaxGridZ, s.Batch - b0)), group), av, bv, bias ?? cv, cv, args);
        }
    }

    /// <summary>The kernel's 128 x 128 blocks across C's columns and rows.</summary>
    private static (int X, int Y) BlockGrid(in GemmShape s) =>
        ((s.N + GemmKernels.Block - 1) / GemmKernels.Block, (s.M + GemmKernels.Block - 1) / GemmKernels.Block);

    /// <summary>Blocks of C below which a long product is split along K (two waves of the device's multiprocessors).</summary>
    internal int SplitKTargetBlocks { get; set; }
    /// <summary>The shortest depth one split may get.</summary>
    internal int SplitKMinChunk { get; set; } = 512;

    /// <summary>
    /// How many K-ranges a single product is cut into: a weight gradient (768 x 192 over 50432 rows) fills only
    /// 12 blocks of 128 x 128, which leaves most of a GPU idle through the long K loop. 1 = no split.
    /// </summary>
    private int SplitCount(in GemmShape s, out int chunk)
    {
        chunk = s.K;
        var (nx, ny) = BlockGrid(s);
        int blocks = nx * ny;
        if (s.Batch != 1 || blocks >= SplitKTargetBlocks || s.K < 2 * SplitKMinChunk) return 1;
        int splits = Math.Min(Math.Min((SplitKTargetBlocks + blocks - 1) / blocks, s.K / SplitKMinChunk), 64);
        int depth = GemmKernels.Depth;
        chunk = ((s.K + splits - 1) / splits + depth - 1) / depth * depth;
        return (s.K + chunk - 1) / chunk;
    }

    /// <summary>Each split multiplies its K-range into its own [M, N] slice of a scratch buffer; a second pass sums them into C.</summary>
    private void SplitKGemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float>? bias, ArrayView<float> c, in GemmShape s, GemmArgs args, int splits, int chunk)
    {
        long mn = (long)s.M * s.N;
        var partial = Pool.Rent(splits * mn);
        var pv = ((IlgpuBuffer)partial).Memory.View;
        var part = args with
        {
            K = chunk, KTotal = s.K, HasBias = 0, Alpha = 1f, Beta = 0f, Ldc = s.N, BatchBase = 0,
            // Consecutive splits start chunk rows (stored [K, M] / [K, N]) or chunk columns further on.
            StrideA = s.TransA ? (long)chunk * s.Lda : chunk,
            StrideB = s.TransB ? chunk : (long)chunk * s.Ldb,
            StrideC = mn,
        };
        var (nx, ny) = BlockGrid(s);
        K.Gemm(new KernelConfig(new Index3D(nx, ny, splits), new Index3D(GemmKernels.Threads, GemmKernels.Threads, 1)), a, b, pv, pv, part);
        K.GemmSplitReduce(Count(mn), pv, bias ?? c, c, args, splits);
        Pool.Return(partial);
    }
}
