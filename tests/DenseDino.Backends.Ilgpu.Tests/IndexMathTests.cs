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
