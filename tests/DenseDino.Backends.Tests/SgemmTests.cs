using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Backends.Cpu.Reference;

namespace DenseDino.Backends.Tests;

/// <summary>Sgemm against the double-accumulating NaiveGemm oracle on awkward shapes and every option.</summary>
public unsafe class SgemmTests
{
    public record struct Case(int Batch, int M, int N, int K, bool TransA, bool TransB, float Alpha, float Beta,
        bool Bias, bool SharedB, int Pad, int Threads)
    {
        public override readonly string ToString() =>
            $"b{Batch} {M}x{N}x{K} {(TransA ? "T" : "N")}{(TransB ? "T" : "N")} a{Alpha} b{Beta} bias{(Bias ? 1 : 0)} sh{(SharedB ? 1 : 0)} pad{Pad} t{Threads}";
    }

    // k = 300 and 513 cross the KC = 256 block, m = 200 crosses MC = 144, n = 4100 crosses NC = 4096.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (0, 5, 3), (5, 0, 3), (4, 5, 0), (1, 1, 1), (3, 7, 16), (7, 17, 31), (16, 16, 16), (17, 31, 65),
        (31, 64, 7), (65, 130, 17), (130, 65, 200), (200, 17, 64), (64, 200, 130), (1, 200, 65), (200, 1, 31),
        (17, 65, 300), (7, 31, 513), (7, 4100, 9),
    ];

    // Every shape with all four transpose combos; the other options rotate with the case index.
    public static TheoryData<Case> ShapeCases()
    {
        var data = new TheoryData<Case>();
        int i = 0;
        foreach (var (m, n, k) in Shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    data.Add(new Case(i % 3 == 2 ? 3 : 1, m, n, k, ta, tb, i % 2 == 0 ? 1f : -0.75f,
                        i % 4 < 2 ? 0f : 1f, i % 5 < 2, i % 3 == 2, i % 7 == 0 ? 0 : 3, 1 + i % 2));
                    i++;
                }
        return data;
    }

    // Full cross of the options on one shape big enough to take the multi-threaded paths.
    public static TheoryData<Case> OptionCases()
    {
        var data = new TheoryData<Case>();
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (float beta in new[] { 0f, 1f })
                    foreach (bool bias in new[] { false, true })
                        foreach (int batch in new[] { 1, 3, 4 })
                            foreach (int threads in new[] { 1, 2 })
                                data.Add(new Case(batch, 65, 70, 300, ta, tb, 1.5f, beta, bias, batch > 1, 5, threads));
        return data;
    }

    // Small shapes for the forced kernels: Vector512 is software-emulated on AVX2 machines (slow).
    public static TheoryData<string, Case> KernelCases()
    {
        var data = new TheoryData<string, Case>();
        foreach (string kernel in new[] { nameof(SgemmKernel.Scalar), nameof(SgemmKernel.Vector256), nameof(SgemmKernel.Vector512) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    data.Add(kernel, new Case(1, 13, 70, 40, ta, tb, 0.5f, 0f, true, false, 2, 1));
                    data.Add(kernel, new Case(3, 6, 32, 260, ta, tb, 1f, 1f, false, true, 0, 2));
                    data.Add(kernel, new Case(2, 7, 33, 5, ta, tb, -1f, 1f, true, false, 1, 1));
                }
        return data;
    }

    [Theory, MemberData(nameof(ShapeCases))]
    public void MatchesNaive_Shapes(Case c) => Check(c, SgemmKernel.Auto);

    [Theory, MemberData(nameof(OptionCases))]
    public void MatchesNaive_Options(Case c) => Check(c, SgemmKernel.Auto);

    [Theory, MemberData(nameof(KernelCases))]
    public void MatchesNaive_ForcedKernel(string kernel, Case c) => Check(c, Enum.Parse<SgemmKernel>(kernel));

    [Theory]
    [InlineData(1, 8, 8, 8, 2, 1)]        // tiny: forking would cost more than it saves
    [InlineData(96, 8, 8, 8, 2, 1)]       // still under the threshold in total
    [InlineData(1, 197, 576, 192, 2, 2)]
    [InlineData(1, 2048, 2048, 2048, 1, 1)]
    public void WorkerCount(int batch, int m, int n, int k, int threads, int expected) =>
        Assert.Equal(expected, Sgemm.Workers(batch, m, n, k, threads));

    private static void Check(Case c, SgemmKernel kernel)
    {
        var rng = new Random(HashCode.Combine(c.M, c.N, c.K, c.TransA, c.TransB, c.Batch, c.Pad));
        int aRows = c.TransA ? c.K : c.M, aCols = c.TransA ? c.M : c.K;
        int bRows = c.TransB ? c.N : c.K, bCols = c.TransB ? c.K : c.N;
        int lda = aCols + c.Pad, ldb = bCols + c.Pad, ldc = c.N + c.Pad;
        long strideA = (long)aRows * lda + c.Pad, bItem = (long)bRows * ldb + c.Pad, strideB = c.SharedB ? 0 : bItem;
        long strideC = (long)c.M * ldc + c.Pad;
        // NaN in every padding slot of A and B: the kernel must never read past a row's logical end.
        float[] a = Matrix(rng, c.Batch, aRows, aCols, lda, strideA, float.NaN);
        float[] b = Matrix(rng, c.SharedB ? 1 : c.Batch, bRows, bCols, ldb, bItem, float.NaN);
        // beta == 0: C is poisoned with NaN, which must not leak into the result.
        float[] c0 = Matrix(rng, c.Batch, c.M, c.N, ldc, strideC, float.NaN);
        if (c.Beta == 0) Array.Fill(c0, float.NaN);
        float[]? bias = c.Bias ? Enumerable.Range(0, c.N).Select(_ => rng.NextSingle() * 2 - 1).ToArray() : null;
        float[] got = (float[])c0.Clone(), want = (float[])c0.Clone();

        fixed (float* pa = a, pb = b, pg = got, pw = want, pbias = bias)
        {
            Sgemm.Run(c.Batch, c.M, c.N, c.K, c.Alpha, pa, strideA, lda, c.TransA, pb, strideB, ldb, c.TransB,
                c.Beta, pg, strideC, ldc, pbias, c.Threads, kernel);
            NaiveGemm.Run(c.Batch, c.M, c.N, c.K, c.Alpha, pa, strideA, lda, c.TransA, pb, strideB, ldb, c.TransB,
                c.Beta, pw, strideC, ldc, pbias, 1);
        }

        // float32 sums of k products carry rounding error growing like sqrt(k) * eps * |terms|; with
        // terms in [-1, 1] the result may cancel to ~0, hence an absolute part next to the relative one.
        double scale = Math.Sqrt(Math.Max(c.K, 1));
        for (int bi = 0; bi < c.Batch; bi++)
            for (int i = 0; i < c.M; i++)
                for (int j = 0; j < ldc; j++)
                {
                    long at = bi * strideC + (long)i * ldc + j;
                    if (j >= c.N)
                    {
                        // Padding columns of C must stay exactly as they were.
                        Assert.Equal(BitConverter.SingleToInt32Bits(c0[at]), BitConverter.SingleToInt32Bits(got[at]));
                        continue;
                    }
                    double r = want[at], x = got[at];
                    Assert.False(double.IsNaN(x), $"NaN at batch {bi} ({i},{j}) for {c}");
                    double tol = (1e-4 + 1e-4 * Math.Abs(r)) * scale;
                    Assert.True(Math.Abs(x - r) <= tol, $"{c}: batch {bi} ({i},{j}) got {x} want {r}");
                }
    }

    // count items of [rows, cols] with leading dim ld, stride apart; padding (and gaps) filled with pad.
    private static float[] Matrix(Random rng, int count, int rows, int cols, int ld, long stride, float pad)
    {
        var m = new float[Math.Max(1, count * stride)];
        Array.Fill(m, pad);
        for (int t = 0; t < count; t++)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    m[t * stride + (long)i * ld + j] = rng.NextSingle() * 2 - 1;
        return m;
    }
}
