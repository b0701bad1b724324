using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // CUDA caps grid z at 65535: larger batches go in chunks.
    private const int MaxGridZ = 65535;

    public void MatMul(Tensor a, Tensor b, Tensor? bias, in GemmShape s, float alpha, float beta, Tensor c)
    {
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        Gemm(Whole(a), a.Offset, Whole(b), b.Offset, bias is null ? null : V(bias), Whole(c), c.Offset, s, alpha, beta);
    }

    /// <summary>Launches the tiled GEMM on whole-buffer views with element offsets (also used by attention).</summary>
    internal void Gemm(ArrayView<float> a, long aOff, ArrayView<float> b, long bOff, ArrayView<float>? bias, ArrayView<float> c, long cOff,
        in GemmShape s, float alpha, float beta)
    {
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        var args = new GemmArgs
        {
            M = s.M, N = s.N, K = s.K, TransA = s.TransA ? 1 : 0, TransB = s.TransB ? 1 : 0, HasBias = bias is null ? 0 : 1,
            StrideA = s.StrideA, StrideB = s.StrideB, StrideC = s.StrideC, Alpha = alpha, Beta = beta,
        };
        int t = GemmKernels.Tile;
        var av = a.SubView(aOff, a.Length - aOff);
        var bv = b.SubView(bOff, b.Length - bOff);
        var cv = c.SubView(cOff, c.Length - cOff);
        for (int b0 = 0; b0 < s.Batch; b0 += MaxGridZ)
        {
            args.BatchBase = b0;
            int nb = Math.Min(MaxGridZ, s.Batch - b0);
            var grid = new Index3D((s.N + t - 1) / t, (s.M + t - 1) / t, nb);
            K.Gemm(new KernelConfig(grid, new Index3D(t, t, 1)), av, bv, bias ?? cv, cv, args);
        }
    }
}
