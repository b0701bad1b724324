using DenseDino.Backends.Cpu;

namespace DenseDino.Numerics.Tests;

/// <summary>MatMul's addend (C = alpha·A·Bᵀ + beta·addend + bias) against the product written into a copy of it.</summary>
public sealed class GemmAddendTests
{
    private readonly CpuBackend be = new(2);

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(true, 1f)]   // residual + bias in one pass, then the product
    [InlineData(true, 0.5f)] // the addend copied, bias and beta left to the GEMM
    [InlineData(false, 1f)]
    public void AddendActsAsCsOldContents(bool withBias, float beta)
    {
        const int m = 7, n = 5, k = 3;
        using var scope = TensorScope.Begin();
        var shape = new GemmShape(1, m, n, k, false, true, 0, 0, 0);
        var a = Tensor.FromArray(be, Random(m * k, 1), [m, k]);
        var b = Tensor.FromArray(be, Random(n * k, 2), [n, k]);
        var bias = withBias ? Tensor.FromArray(be, Random(n, 3), [n]) : null;
        float[] residual = Random(m * n, 4);
        var addend = Tensor.FromArray(be, residual, [m, n]);
        var expected = Tensor.FromArray(be, residual, [m, n]);
        be.MatMul(a, b, bias, shape, 0.75f, beta, expected);
        var c = Tensor.Full(be, [m, n], float.NaN);
        be.MatMul(a, b, bias, shape, 0.75f, beta, c, addend);
        // The same sum, rounded in another order ((residual + bias) + product where the bias is folded first).
        float[] want = expected.ToArray(), got = c.ToArray();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(got[i] - want[i]) <= 1e-6f * (1 + Math.Abs(want[i])), $"c[{i}] = {got[i]}, expected {want[i]}");
        Assert.Equal(residual, addend.ToArray());
    }

    /// <summary>A [2, 4] times a [3, 4]ᵀ: C is [2, 3].</summary>
    private (Tensor A, Tensor B, GemmShape Shape) SmallProduct() =>
        (Tensor.FromArray(be, Random(8, 1), [2, 4]), Tensor.FromArray(be, Random(12, 2), [3, 4]), new GemmShape(1, 2, 3, 4, false, true, 0, 0, 0));

    [Fact]
    public void AddendIgnoredWhereItIsCOrBetaIsZero()
    {
        using var scope = TensorScope.Begin();
        var (a, b, shape) = SmallProduct();
        float[] start = Random(6, 3);
        var c = Tensor.FromArray(be, start, [2, 3]);
        var expected = Tensor.FromArray(be, start, [2, 3]);
        be.MatMul(a, b, null, shape, 1f, 1f, expected);
        be.MatMul(a, b, null, shape, 1f, 1f, c, c);
        Assert.Equal(expected.ToArray(), c.ToArray());

        var poisoned = Tensor.Full(be, [2, 3], float.NaN);
        var zeroBeta = Tensor.Full(be, [2, 3], 7f);
        be.MatMul(a, b, null, shape, 1f, 0f, zeroBeta, poisoned);
        Assert.DoesNotContain(zeroBeta.ToArray(), float.IsNaN);
    }

    [Fact]
    public void AddendOfTheWrongSizeIsNamed()
    {
        using var scope = TensorScope.Begin();
        var (a, b, shape) = SmallProduct();
        var c = Tensor.Full(be, [2, 3], float.NaN);
        var e = Assert.Throws<ArgumentException>(() => be.MatMul(a, b, null, shape, 1f, 1f, c, Tensor.Full(be, [5], 1f)));
        Assert.Contains("addend", e.Message);
    }
}

/// <summary>PixelPacking's checks: every size error names what was given and what was expected.</summary>
public sealed class PixelPackingTests
{
    private readonly CpuBackend be = new(2);

    [Fact]
    public void BadImagesAndTablesAreNamed()
    {
        using var scope = TensorScope.Begin();
        var table = Tensor.Full(be, [3, 256], 0.5f);
        var e = Assert.Throws<ArgumentException>(() => PixelPacking.ToImages(be, [new byte[12], new byte[11]], 2, 2, table));
        Assert.Contains("image 1 has 11 bytes, expected 2 x 2 x 3 = 12", e.Message);
        var t = Assert.Throws<ArgumentException>(() => PixelPacking.ToImages(be, [new byte[12]], 2, 2, Tensor.Full(be, [256, 3], 0.5f)));
        Assert.Contains("expected [3, 256]", t.Message);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => PixelPacking.ToImages(be, [], 0, 2, table)).Message);
        Assert.Equal(3, PixelPacking.FloatsPerImage(1, 3));   // 9 bytes → 3 elements, the last one padded
    }
}
