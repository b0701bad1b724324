using ILGPU;
using ILGPU.Runtime;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>The 32-bit offset path of the strided kernels agrees with the 64-bit one wherever FitsInt allows it.</summary>
public sealed class IndexMathTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Offsets32MatchesOffsets64(int seed)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 50; trial++)
        {
            int rank = rng.Next(1, 7);
            var dims = Enumerable.Range(0, rank).Select(_ => (long)rng.Next(1, 9)).ToList();
            var sa = dims.Select(_ => (long)rng.Next(0, 5000)).ToList();
            var sb = dims.Select(_ => (long)rng.Next(0, 5000)).ToList();
            Assert.True(Dims6.FitsInt(dims, sa, sb));
            Dims6 d = Dims6.From(dims, 1), a = Dims6.From(sa, 0), b = Dims6.From(sb, 0);
            long total = dims.Aggregate(1L, (p, v) => p * v);
            for (int i = 0; i < total; i++)
            {
                Dims6.Offsets(i, d, a, b, out long wa, out long wb);
                Dims6.Offsets32(i, d, a, b, out long na, out long nb);
                Assert.Equal((wa, wb), (na, nb));
            }
        }
    }

    [Fact]
    public void FitsIntRejectsOffsetsBeyond32Bits()
    {
        Assert.False(Dims6.FitsInt([3, 2], [1L << 30, 1], [1, 1]));
        Assert.True(Dims6.FitsInt([2, 2], [1L << 29, 1], [1, 1]));
        Assert.True(Dims6.FitsInt([1, 5], [1L << 40, 1], [1, 1])); // a size-1 dim never moves
    }
}

/// <summary>
/// Kernels only the CUDA path launches (cuBLAS bias folding), run here element by element on the
/// host over CPU-accelerator memory, so their index math is checked without a GPU.
/// </summary>
public sealed class HostRunKernelTests
{
    [Theory]
    [InlineData(1, 3, 5, 0f, true, 0)]
    [InlineData(3, 4, 7, 0.5f, true, 0)]
    [InlineData(2, 1, 9, 1f, false, 0)]
    [InlineData(3, 4, 5, 0.5f, true, 2)]
    public void GemmBiasInitFoldsBetaAndBiasIntoEveryBatch(int batch, int m, int n, float beta, bool hasBias, int rowGap)
    {
        var acc = IlgpuTestBackends.Simulator.Accelerator;
        int ldc = n + rowGap;                  // rows apart by more than n (C inside a wider matrix)
        long strideC = (long)m * ldc + 3;      // batches apart by more than m·ldc: every gap must stay untouched
        var rng = new Random(batch * 100 + m * 10 + n);
        float[] c0 = Enumerable.Range(0, (int)(batch * strideC)).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] bias = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() + 1f).ToArray();
        using var c = acc.Allocate1D(c0);
        using var b = acc.Allocate1D(bias);
        var args = new GemmArgs { M = m, N = n, Ldc = ldc, StrideC = strideC, Beta = beta, HasBias = hasBias ? 1 : 0 };
        for (int i = 0; i < batch * m * n; i++) GemmKernels.GemmBiasInit(new Index1D(i), c.View, b.View, args);
        float[] got = c.GetAsArray1D();
        for (int bi = 0; bi < batch; bi++)
            for (int r = 0; r < (int)strideC; r++)
            {
                long at = bi * strideC + r;
                int row = r / ldc, col = r % ldc;
                float expected = row < m && col < n ? beta * c0[at] + (hasBias ? bias[col] : 0f) : c0[at];
                Assert.Equal(expected, got[at], 6);
            }
    }
}
