using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Backends.Cpu.Reference;

namespace DenseDino.Backends.Tests;

/// <summary>The attention-slice GEMM, transpose and row softmax against plain double-precision oracles.</summary>
public unsafe class SliceGemmTests
{
    // m: ragged 6-row panels and m = 1; n: 16-wide tiles, an 8-wide tile, scalar tails; k = 0 and odd.
    public static TheoryData<int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        int i = 0;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (5, 7, 3), (6, 8, 9), (13, 16, 64), (37, 48, 64), (37, 64, 37), (12, 29, 17), (7, 40, 1), (4, 24, 0), (19, 3, 11) })
            foreach (bool transA in new[] { false, true })
                data.Add(m, n, k, transA, i++ % 3 == 1);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesNaiveGemm(int m, int n, int k, bool transA, bool accumulate)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        const int pad = 3;
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int lda = aCols + pad, ldb = n + pad, ldc = n + pad;
        // NaN in every padding slot: the kernel must never read past a row's logical end.
        float[] a = Matrix(rng, aRows, aCols, lda), b = Matrix(rng, k, n, ldb), c0 = Matrix(rng, m, n, ldc);
        if (!accumulate) Array.Fill(c0, float.NaN); // C is not read when overwriting
        float[] got = (float[])c0.Clone(), want = (float[])c0.Clone();
        var scratch = new float[SliceGemm.ScratchFor(k)];
        fixed (float* pa = a, pb = b, pg = got, pw = want, ps = scratch)
        {
            SliceGemm.Run(m, n, k, 0.7f, pa, lda, transA, pb, ldb, pg, ldc, accumulate, ps);
            NaiveGemm.Run(1, m, n, k, 0.7f, pa, 0, lda, transA, pb, 0, ldb, false, accumulate ? 1f : 0f, pw, 0, ldc, null, 1);
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                if (j >= n) { Assert.Equal(BitConverter.SingleToInt32Bits(c0[at]), BitConverter.SingleToInt32Bits(got[at])); continue; }
                double tol = (1e-5 + 1e-5 * Math.Abs(want[at])) * Math.Sqrt(Math.Max(k, 1));
                Assert.True(Math.Abs(got[at] - want[at]) <= tol, $"({i},{j}) of {m}x{n}x{k} transA={transA}: got {got[at]} want {want[at]}");
            }
    }

    [Theory]
    [InlineData(1, 1, 16)]
    [InlineData(7, 5, 16)]
    [InlineData(37, 64, 48)]
    [InlineData(16, 9, 16)]
    public void TransposeWritesZeroPaddedColumns(int rows, int cols, int ldd)
    {
        var rng = new Random(rows * 100 + cols);
        int lds = cols + 2;
        float[] src = Matrix(rng, rows, cols, lds), dst = new float[cols * ldd];
        Array.Fill(dst, float.NaN);
        fixed (float* ps = src, pd = dst) SliceGemm.Transpose(ps, rows, cols, lds, pd, ldd);
        for (int d = 0; d < cols; d++)
            for (int j = 0; j < ldd; j++)
                Assert.Equal(j < rows ? src[j * lds + d] : 0f, dst[d * ldd + j]);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, true)]
    [InlineData(8, false)]
    [InlineData(9, true)]
    [InlineData(37, true)]
    [InlineData(197, false)]
    public void RowSoftmaxMatchesDoublePrecision(int n, bool masked)
    {
        var rng = new Random(n);
        float[] s = Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 16 - 8).ToArray();
        // An additive mask with -inf entries (never the whole row): those must weigh exactly zero.
        float[] mask = Enumerable.Range(0, n).Select(j => j % 3 == 1 ? float.NegativeInfinity : rng.NextSingle() - 0.5f).ToArray();
        float[] p = new float[n];
        Array.Fill(p, float.NaN);
        fixed (float* ps = s, pm = mask, pp = p) RowSoftmax.Forward(ps, masked ? pm : null, pp, n);

        double[] logits = s.Select((x, j) => masked ? (double)x + mask[j] : x).ToArray();
        double max = logits.Max(), sum = logits.Sum(x => Math.Exp(x - max));
        for (int j = 0; j < n; j++)
        {
            double want = Math.Exp(logits[j] - max) / sum;
            if (double.IsNegativeInfinity(logits[j])) Assert.Equal(0f, p[j]);
            else Assert.True(Math.Abs(p[j] - want) <= 1e-6 + 2e-6 * want, $"[{j}] of {n}: got {p[j]} want {want}");
        }

        // backward: d = p ∘ (d − Σ p·d)
        float[] d = Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 2 - 1).ToArray(), d0 = (float[])d.Clone();
        fixed (float* pp = p, pd = d) RowSoftmax.Backward(pp, pd, pd, n);
        double dot = Enumerable.Range(0, n).Sum(j => (double)p[j] * d0[j]);
        for (int j = 0; j < n; j++) Assert.True(Math.Abs(d[j] - p[j] * (d0[j] - dot)) <= 1e-6, $"grad [{j}] of {n}");
    }

    [Theory]
    [InlineData(37, 3)]
    [InlineData(37, 35)]
    [InlineData(5, 0)]
    public void RowSoftmaxTurnsARowWithANaNLogitToNaN(int n, int at)
    {
        // As torch: a NaN logit poisons its whole row instead of vanishing into a finite max.
        var rng = new Random(n + at);
        float[] s = Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 4 - 2).ToArray(), p = new float[n];
        s[at] = float.NaN;
        fixed (float* ps = s, pp = p) RowSoftmax.Forward(ps, null, pp, n);
        Assert.All(p, x => Assert.True(float.IsNaN(x)));
    }

    private static float[] Matrix(Random rng, int rows, int cols, int ld)
    {
        var m = new float[Math.Max(1, rows * ld)];
        Array.Fill(m, float.NaN);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) m[i * ld + j] = rng.NextSingle() * 2 - 1;
        return m;
    }
}
