using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>
/// Our GEMM kernel with the product split along K (few blocks of C, a long K: weight gradients) against the CPU
/// backend, on ILGPU's CPU accelerator with the split thresholds lowered so small shapes split. C starts as NaN
/// where beta is 0 (a missed element shows) and as random values elsewhere.
/// </summary>
public sealed class SplitKGemmTests : IDisposable
{
    private static readonly CpuBackend Cpu = new(threads: 2);
    private readonly IlgpuBackend split = IlgpuBackend.Create("ilgpu-cpu");

    public SplitKGemmTests()
    {
        split.SplitKTargetBlocks = 64;
        split.SplitKMinChunk = 8;
    }

    public void Dispose() => split.Dispose();

    public static TheoryData<int, int, int, bool, bool, bool, float> Shapes => new()
    {
        // M, N, K (not a multiple of the split's chunk), transA, transB, bias, beta
        { 5, 7, 45, true, false, true, 0f },
        { 5, 7, 45, false, true, false, 0.5f },
        { 33, 3, 61, true, true, true, 1f },
        { 1, 1, 17, false, false, false, 0f },
        { 9, 20, 16, true, false, true, 0.5f },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void SplitProductMatchesCpu(int m, int n, int k, bool ta, bool tb, bool bias, float beta)
    {
        var shape = new GemmShape(1, m, n, k, ta, tb, 0, 0, 0);
        Compare(shape, bias, beta, m * k, k * n, m * n);
    }

    // Operands inside wider matrices: each split's start steps by whole stored rows or columns.
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void SplitProductWithLeadingDimensions(bool ta, bool tb)
    {
        const int m = 6, n = 5, k = 41;
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 4;
        var shape = new GemmShape(1, m, n, k, ta, tb, 0, 0, 0) { Lda = lda, Ldb = ldb, Ldc = ldc };
        Compare(shape, true, 0.5f, (ta ? k : m) * lda, (tb ? n : k) * ldb, m * ldc);
    }

    private void Compare(GemmShape shape, bool withBias, float beta, int aLength, int bLength, int cLength)
    {
        float[] a = Random(aLength, 1), b = Random(bLength, 2), biasValues = Random(shape.N, 3), c0 = Random(cLength, 4);
        float[] expected = Run(Cpu, a, b, withBias ? biasValues : null, shape, beta, c0);
        float[] actual = Run(split, a, b, withBias ? biasValues : null, shape, beta, c0);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-4 * Math.Abs(expected[i]),
                $"{shape}: c[{i}] = {actual[i]:R}, cpu {expected[i]:R}");
    }

    private static float[] Run(IBackend backend, float[] a, float[] b, float[]? bias, GemmShape shape, float beta, float[] c0)
    {
        using var scope = TensorScope.Begin();
        var c = beta != 0 || shape.Ldc != shape.N ? Tensor.FromArray(backend, c0, [c0.Length]) : Tensor.Full(backend, [c0.Length], float.NaN);
        backend.MatMul(Tensor.FromArray(backend, a, [a.Length]), Tensor.FromArray(backend, b, [b.Length]),
            bias is null ? null : Tensor.FromArray(backend, bias, [bias.Length]), shape, 0.75f, beta, c);
        return c.ToArray();
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }
}
