using DenseDino.Numerics;
using ILGPU.Runtime.Cuda;
using static DenseDino.Backends.Ilgpu.Cuda.CuBlasLtLibrary;
using static DenseDino.Backends.Ilgpu.Cuda.CuBlasNative;

namespace DenseDino.Backends.Ilgpu.Cuda;

/// <summary>
/// Row-major C = alpha·op(A)·op(B) + beta·C + bias (per column) in one cuBLASLt call whose epilogue
/// adds the bias, as PyTorch's linear layers do: the fold it replaces writes C = bias first and has
/// cuBLAS read it back (twice the output's traffic; the H100 profile showed biased GEMMs at half the
/// rate of bias-free ones). Same column-major swap as <see cref="CuBlasGemm"/>: D^T = op(B)^T·op(A)^T,
/// so the bias runs along D's rows. One plan (descriptors + heuristic algorithm) per shape and
/// pointer alignment, made on first use.
/// </summary>
internal sealed unsafe class CuBlasLtBiasGemm : IDisposable
{
    private const long WorkspaceBytes = 32L << 20;
    private readonly CuBlasLtLibrary lt;
    private readonly CudaAccelerator accelerator;
    private readonly IntPtr handle;
    private readonly int computeType;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> workspace;
    private readonly Dictionary<PlanKey, Plan?> plans = new();

    private readonly record struct PlanKey(int M, int N, int K, bool TransA, bool TransB, int Lda, int Ldb, int Ldc, uint Alignment);

    private sealed class Plan
    {
        public IntPtr Desc, LayoutA, LayoutB, LayoutC;
        public readonly ulong[] Algo = new ulong[8];
    }

    public CuBlasLtBiasGemm(CudaAccelerator accelerator, MatMulPrecision precision)
    {
        lt = Load();
        this.accelerator = accelerator;
        computeType = precision switch
        {
            MatMulPrecision.Tf32 => CuBlasNative.ComputeR32FFastTf32,
            MatMulPrecision.Bf16 => CuBlasNative.ComputeR32FFastBf16,
            _ => CuBlasNative.ComputeR32F,
        };
        accelerator.Bind();
        IntPtr h;
        Check(lt.Create(&h), "cublasLtCreate");
        handle = h;
        workspace = accelerator.Allocate1D<byte>(WorkspaceBytes);
    }

    /// <summary>
    /// Runs the product with its bias when cuBLASLt has an algorithm for it; false (nothing done) for a
    /// batch of several items or a bias not 256-byte aligned, which the caller then folds into C itself.
    /// With <paramref name="addend"/>, beta scales it (read as cuBLASLt's C, laid out like D) and D = c.
    /// </summary>
    public bool TryRun(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, in GemmShape s, float alpha, float beta,
        ArrayView<float>? addend = null)
    {
        IntPtr pa = a.LoadEffectiveAddressAsPtr(), pb = b.LoadEffectiveAddressAsPtr(), pc = c.LoadEffectiveAddressAsPtr();
        IntPtr pIn = addend is { } add ? add.LoadEffectiveAddressAsPtr() : pc;
        IntPtr pbias = bias.LoadEffectiveAddressAsPtr();
        // The bias pointer is not part of the plan: every bias must be as aligned as cudaMalloc's (parameters are).
        if (s.Batch != 1 || s.K == 0 || Alignment(pbias) < 256) return false;
        uint alignment = Math.Min(Math.Min(Alignment(pa), Alignment(pb)), Math.Min(Alignment(pc), Alignment(pIn)));
        var key = new PlanKey(s.M, s.N, s.K, s.TransA, s.TransB, s.Lda, s.Ldb, s.Ldc, alignment);
        if (!plans.TryGetValue(key, out var plan)) plans[key] = plan = MakePlan(key, pbias);
        if (plan is null) return false;
        accelerator.Bind();
        Check(lt.MatmulDescSetAttribute(plan.Desc, DescBiasPointer, &pbias, (nuint)sizeof(IntPtr)), "cublasLtMatmulDescSetAttribute(bias)");
        IntPtr stream = ((CudaStream)accelerator.DefaultStream).StreamPtr;
        fixed (ulong* algo = plan.Algo)
            Check(lt.Matmul(handle, plan.Desc, &alpha, pb, plan.LayoutA, pa, plan.LayoutB, &beta, pIn, plan.LayoutC, pc, plan.LayoutC,
                algo, workspace.NativePtr, (nuint)WorkspaceBytes, stream), "cublasLtMatmul");
        return true;
    }

    // Largest power of two (≤ 256) dividing the address: what the heuristic may assume about A, B and C.
    private static uint Alignment(IntPtr p)
    {
        long lowest = (long)p & -(long)p; // 0 for a null pointer
        return (uint)(lowest == 0 || lowest > 256 ? 256 : lowest);
    }

    /// <summary>Descriptors and the heuristic's first algorithm; null (and a note on stderr) when there is none.</summary>
    private Plan? MakePlan(in PlanKey k, IntPtr biasForHeuristic)
    {
        accelerator.Bind();
        var plan = new Plan();
        IntPtr desc, la, lb, lc, pref;
        Check(lt.MatmulDescCreate(&desc, computeType, CuBlasNative.CudaR32F), "cublasLtMatmulDescCreate");
        plan.Desc = desc;
        // cuBLASLt's A is our B (op kept), its B is our A: D^T[N, M] = op(B)^T · op(A)^T.
        int opA = k.TransB ? CuBlasNative.OpT : CuBlasNative.OpN, opB = k.TransA ? CuBlasNative.OpT : CuBlasNative.OpN;
        uint epilogue = EpilogueBias;
        Check(lt.MatmulDescSetAttribute(desc, DescTransA, &opA, sizeof(int)), "cublasLtMatmulDescSetAttribute(transA)");
        Check(lt.MatmulDescSetAttribute(desc, DescTransB, &opB, sizeof(int)), "cublasLtMatmulDescSetAttribute(transB)");
        Check(lt.MatmulDescSetAttribute(desc, DescEpilogue, &epilogue, sizeof(uint)), "cublasLtMatmulDescSetAttribute(epilogue)");
        Check(lt.MatmulDescSetAttribute(desc, DescBiasPointer, &biasForHeuristic, (nuint)sizeof(IntPtr)), "cublasLtMatmulDescSetAttribute(bias)");
        // Column-major stored shapes: our B is [N, K] (transB) or [K, N] row-major, i.e. K x N or N x K column-major.
        Check(lt.MatrixLayoutCreate(&la, CuBlasNative.CudaR32F, (ulong)(k.TransB ? k.K : k.N), (ulong)(k.TransB ? k.N : k.K), k.Ldb), "cublasLtMatrixLayoutCreate(A)");
        Check(lt.MatrixLayoutCreate(&lb, CuBlasNative.CudaR32F, (ulong)(k.TransA ? k.M : k.K), (ulong)(k.TransA ? k.K : k.M), k.Lda), "cublasLtMatrixLayoutCreate(B)");
        Check(lt.MatrixLayoutCreate(&lc, CuBlasNative.CudaR32F, (ulong)k.N, (ulong)k.M, k.Ldc), "cublasLtMatrixLayoutCreate(C)");
        (plan.LayoutA, plan.LayoutB, plan.LayoutC) = (la, lb, lc);
        Check(lt.PreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
        try
        {
            ulong bytes = (ulong)WorkspaceBytes;
            uint align = k.Alignment;
            Check(lt.PreferenceSetAttribute(pref, PrefMaxWorkspaceBytes, &bytes, sizeof(ulong)), "cublasLtMatmulPreferenceSetAttribute(workspace)");
            // Our A is cuBLASLt's B and vice versa; C (the addend or D itself) and D share a layout.
            for (int attr = PrefMinAlignmentA; attr <= PrefMinAlignmentD; attr++)
                Check(lt.PreferenceSetAttribute(pref, attr, &align, sizeof(uint)), "cublasLtMatmulPreferenceSetAttribute(alignment)");
            HeuristicResult result;
            int found = 0;
            int status = lt.AlgoGetHeuristic(handle, desc, la, lb, lc, lc, pref, 1, &result, &found);
            if (status != 0 || found == 0)
            {
                Console.Error.WriteLine($"cuBLASLt: no bias-epilogue algorithm for {k} (status {status}); that shape folds the bias into C instead");
                Free(plan);
                return null;
            }
            for (int i = 0; i < 8; i++) plan.Algo[i] = result.Algo[i];
            return plan;
        }
        finally
        {
            lt.PreferenceDestroy(pref);
        }
    }

    private void Free(Plan plan)
    {
        lt.MatrixLayoutDestroy(plan.LayoutA);
        lt.MatrixLayoutDestroy(plan.LayoutB);
        lt.MatrixLayoutDestroy(plan.LayoutC);
        lt.MatmulDescDestroy(plan.Desc);
    }

    public void Dispose()
    {
        foreach (var plan in plans.Values)
            if (plan is not null) Free(plan);
        plans.Clear();
        lt.Destroy(handle);
        workspace.Dispose();
    }
}
