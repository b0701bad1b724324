using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>
/// Every primitive on CpuBackend and IlgpuBackend(ilgpu-cpu) with the same seeded, non-constant
/// inputs of awkward sizes (odd, not multiples of the group size, 1, empty). Outputs start as NaN
/// (accumulating ones with random values), so a missed write shows. Tolerance
/// |ilgpu − cpu| ≤ 2e-5 + 2e-4·|cpu|: float32 sums in a different order, no more.
/// </summary>
public abstract class EquivalenceTests
{
    private const double Atol = 2e-5, Rtol = 2e-4;
    private static readonly CpuBackend Cpu = new(threads: 2);
    /// <summary>The ILGPU backend under test (skips the case where it does not exist).</summary>
    protected abstract IBackend Gpu { get; }

    /// <summary>A tensor of a case: input data, or null for a NaN-poisoned output.</summary>
    private sealed record Spec(string Name, int[] Shape, float[]? Data, bool Compare);

    private static Spec In(string name, int[] shape, int seed, float lo = -1f, float hi = 1f) => new(name, shape, Random(shape, seed, lo, hi), false);
    private static Spec Out(string name, params int[] shape) => new(name, shape, null, true);
    /// <summary>An output that is accumulated into: starts from random data.</summary>
    private static Spec Acc(string name, int[] shape, int seed) => new(name, shape, Random(shape, seed, -1f, 1f), true);

    private static float[] Random(int[] shape, int seed, float lo, float hi)
    {
        var rng = new Random(seed);
        long n = 1;
        foreach (int d in shape) n *= d;
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return data;
    }

    private void Check(string what, Spec[] specs, Action<IBackend, Dictionary<string, Tensor>> op, double rtol = Rtol)
    {
        var results = new List<Dictionary<string, float[]>>();
        foreach (var backend in new[] { Cpu, Gpu })
        {
            using var scope = TensorScope.Begin();
            var t = new Dictionary<string, Tensor>();
            foreach (var s in specs)
                t[s.Name] = s.Data is null ? Tensor.Full(backend, s.Shape, float.NaN) : Tensor.FromArray(backend, s.Data, s.Shape);
            op(backend, t);
            results.Add(specs.Where(s => s.Compare).ToDictionary(s => s.Name, s => t[s.Name].ToArray()));
        }
        foreach (var (name, expected) in results[0])
        {
            var actual = results[1][name];
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double e = expected[i], a = actual[i];
                if (double.IsNaN(e) && double.IsNaN(a)) continue;
                if (!(Math.Abs(a - e) <= Atol + rtol * Math.Abs(e)))
                    Assert.Fail($"{what}: {name}[{i}] ilgpu {a:R}, cpu {e:R} (|diff| {Math.Abs(a - e):E2})");
            }
        }
    }

    public static TheoryData<int> Sizes => new() { 0, 1, 37, 300 };

    [Theory, MemberData(nameof(Sizes))]
    public void FillCopyDropout(int n)
    {
        Check($"fill {n}", [Out("y", n)], (b, t) => b.Fill(t["y"], 2.5f));
        Check($"copy {n}", [In("x", [n], 1), Out("y", n)], (b, t) => b.Copy(t["x"], t["y"]));
        // The mask must be bit-identical: both backends hash (seed, index) the same way.
        Check($"dropout {n}", [Out("m", n)], (b, t) => b.DropoutMask(12345UL, 0.3f, t["m"]), rtol: 0);
    }

    public static TheoryData<UnaryOp, int> UnaryCases()
    {
        var data = new TheoryData<UnaryOp, int>();
        foreach (var op in Enum.GetValues<UnaryOp>())
            foreach (int n in new[] { 0, 1, 53 }) data.Add(op, n);
        return data;
    }

    [Theory, MemberData(nameof(UnaryCases))]
    public void UnaryAndBackward(UnaryOp op, int n)
    {
        bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.PowScalar;
        float lo = positive ? 0.1f : -3f, hi = 3f;
        float alpha = op == UnaryOp.PowScalar ? 1.7f : 0.75f;
        Check($"{op} {n}", [In("x", [n], 2, lo, hi), Out("y", n)], (b, t) => b.Unary(op, t["x"], alpha, t["y"]));
        foreach (bool acc in new[] { false, true })
            Check($"{op} backward {n} acc={acc}", [In("x", [n], 2, lo, hi), In("g", [n], 3), acc ? Acc("dx", [n], 4) : Out("dx", n), Out("y", n)], (b, t) =>
            {
                b.Unary(op, t["x"], alpha, t["y"]);
                b.UnaryBackward(op, t["x"], t["y"], t["g"], alpha, t["dx"], acc);
            });
    }

    public static TheoryData<int[], int[], int[]> BinaryShapes => new()
    {
        { [7, 5], [7, 5], [7, 5] },
        { [3, 1, 5], [1, 4, 1], [3, 4, 5] },
        { [5], [3, 4, 5], [3, 4, 5] },
        { [1], [2, 3], [2, 3] },
        { [2, 3, 1, 5, 1, 3, 2], [1, 3, 4, 1, 2, 1, 2], [2, 3, 4, 5, 2, 3, 2] },
        { [0, 3], [1, 3], [0, 3] },
    };

    [Theory, MemberData(nameof(BinaryShapes))]
    public void BinaryBroadcast(int[] a, int[] b, int[] y)
    {
        foreach (var op in Enum.GetValues<BinaryOp>())
            Check($"{op}", [In("a", a, 5), In("b", b, 6, 0.5f, 2f), Out("y", y)], (be, t) => be.Binary(op, t["a"], t["b"], t["y"]));
    }

    public static TheoryData<int[], int[]> SumShapes => new()
    {
        { [3, 4, 5], [1, 4, 1] },
        { [3, 4, 5], [3, 1, 5] },
        { [3, 4, 5], [1, 1, 5] },
        { [3, 4, 5], [3, 4, 1] },
        { [3, 4, 5], [1, 1, 1] },
        { [2, 3, 4, 5], [2, 1, 4, 1] },
        { [3, 4], [3, 4] },
    };

    [Theory, MemberData(nameof(SumShapes))]
    public void SumToShape(int[] x, int[] y) =>
        Check("sum_to_shape", [In("x", x, 7), Out("y", y)], (b, t) => b.SumToShape(t["x"], t["y"]));

    // inner 64 and 70: whole 32-column blocks and a ragged one (the CPU sums a bias gradient in registers per block)
    public static TheoryData<int, int, int> ReduceShapes => new() { { 3, 37, 1 }, { 2, 300, 1 }, { 3, 5, 7 }, { 1, 1, 1 }, { 4, 1, 3 }, { 2, 300, 7 }, { 1, 129, 3 }, { 1, 300, 70 }, { 2, 41, 64 } };

    [Theory, MemberData(nameof(ReduceShapes))]
    public void ReduceAndMaxBackward(int outer, int n, int inner)
    {
        foreach (var op in Enum.GetValues<ReduceOp>())
            Check($"{op}", [In("x", [outer, n, inner], 8), Out("y", outer, inner), Out("i", outer, inner)], (b, t) =>
                b.Reduce(op, t["x"], outer, n, inner, t["y"], op == ReduceOp.Max ? t["i"] : null), rtol: 1e-3);
        // Sums added into what y held (a gradient slot), on every path: rows, columns, split columns.
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean })
            Check($"{op} accumulate", [In("x", [outer, n, inner], 8), Acc("y", [outer, inner], 10)], (b, t) =>
                b.Reduce(op, t["x"], outer, n, inner, t["y"], null, accumulate: true), rtol: 1e-3);
        Check("max backward", [In("x", [outer, n, inner], 8), In("g", [outer, inner], 9), Out("y", outer, inner), Out("i", outer, inner), Out("dx", outer, n, inner)], (b, t) =>
        {
            b.Reduce(ReduceOp.Max, t["x"], outer, n, inner, t["y"], t["i"]);
            b.MaxBackward(t["g"], t["i"], outer, n, inner, t["dx"]);
        });
    }

    [Fact]
    public void StridedCopyPermuteAndAccumulate()
    {
        // x [2,3,4] permuted (2,0,1) into y [4,2,3], with offsets inside larger tensors.
        long[] xs = [12, 4, 1], ys = [1, 12, 3];
        int[] shape = [2, 3, 4];
        Check("strided copy", [In("x", [30], 10), Acc("y", [30], 11)], (b, t) => b.StridedCopy(t["x"], 2, xs, t["y"], 1, ys, shape, accumulate: false));
        Check("strided add", [In("x", [30], 10), Acc("y", [30], 11)], (b, t) => b.StridedCopy(t["x"], 2, xs, t["y"], 1, ys, shape, accumulate: true));
        // Zero strides in y: elements collide and must all land.
        Check("strided add collide", [In("x", [24], 12), Acc("y", [4], 13)], (b, t) => b.StridedCopy(t["x"], 0, [12, 4, 1], t["y"], 0, [0, 0, 1], shape, accumulate: true));
        // Eight dims that cannot merge (a full reversal): the leading two are split on the host.
        int[] eight = [2, 2, 2, 2, 2, 2, 2, 2];
        long[] fwd = [128, 64, 32, 16, 8, 4, 2, 1], rev = [1, 2, 4, 8, 16, 32, 64, 128];
        Check("strided copy 8 dims", [In("x", [256], 12), Out("y", 256)], (b, t) => b.StridedCopy(t["x"], 0, fwd, t["y"], 0, rev, eight, accumulate: false));
        Check("strided empty", [In("x", [4], 12), Acc("y", [4], 13)], (b, t) => b.StridedCopy(t["x"], 0, [1, 1], t["y"], 0, [1, 1], [0, 4], accumulate: false));
    }

    [Fact]
    public void IndexSelectAndAdd()
    {
        int[] idx = [4, 0, 4, 2, 4];
        Check("index select", [In("x", [3, 5, 7], 14), Out("y", 3, 5, 7)], (b, t) => b.IndexSelect(t["x"], 3, 5, 7, idx, t["y"]));
        Check("index add", [In("g", [3, 5, 7], 15), Acc("dx", [3, 5, 7], 16)], (b, t) => b.IndexAdd(t["g"], 3, 5, 7, idx, t["dx"]));
        Check("index select empty", [In("x", [3, 5, 7], 14), Out("y", 3, 0, 7)], (b, t) => b.IndexSelect(t["x"], 3, 5, 7, [], t["y"]));
    }

    public static TheoryData<int, int, int, int, bool, bool, bool, float> GemmCases => new()
    {
        { 1, 17, 19, 23, false, false, false, 0f },
        { 3, 17, 19, 23, true, false, true, 0f },
        { 2, 5, 33, 7, false, true, false, 0.5f },
        { 2, 9, 1, 40, true, true, true, 1f },
        { 1, 1, 1, 1, false, false, true, 0f },
        { 2, 3, 4, 0, false, false, true, 0.5f },
        // Past one 128×128 register-tiled block in M and N, K not a multiple of the 8-deep slab.
        { 1, 130, 133, 21, false, true, true, 0.5f },
        { 2, 129, 9, 17, true, false, false, 0f },
        { 1, 7, 131, 9, true, true, false, 1f },
    };

    [Theory, MemberData(nameof(GemmCases))]
    public void MatMul(int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta)
    {
        // B is shared by every batch item (stride 0), as a linear layer's weight is.
        var shape = new GemmShape(batch, m, n, k, ta, tb, (long)m * k, 0, (long)m * n);
        Spec c = beta == 0 ? Out("c", batch, m, n) : Acc("c", [batch, m, n], 17);
        Check($"gemm {shape}", [In("a", [batch * m * k], 18), In("b", [k * n], 19), In("bias", [n], 20), c], (be, t) =>
            be.MatMul(t["a"], t["b"], bias ? t["bias"] : null, shape, 0.75f, beta, t["c"]));
    }

    // 8-bit RGB images to normalised [N, 3, H, W]: whole and ragged last elements (3·H·W not a multiple of 4), one pixel, none.
    public static TheoryData<int, int, int> PixelShapes => new() { { 3, 5, 7 }, { 2, 4, 4 }, { 1, 1, 1 }, { 4, 3, 1 }, { 0, 2, 2 } };

    [Theory, MemberData(nameof(PixelShapes))]
    public void PixelsToChw(int n, int h, int w)
    {
        var rng = new Random(n * 100 + h * 10 + w);
        var pixels = Enumerable.Range(0, n).Select(_ => { var b = new byte[3 * h * w]; rng.NextBytes(b); return b; }).ToList();
        float[] table = Random([3, 256], 70, -2f, 2f);
        var results = new List<float[]>();
        foreach (var backend in new[] { Cpu, Gpu })
        {
            using var scope = TensorScope.Begin();
            results.Add(PixelPacking.ToImages(backend, pixels, h, w, Tensor.FromArray(backend, table, [3, 256])).ToArray());
        }
        Assert.Equal(n * 3 * h * w, results[0].Length);
        // Every value is a table entry: exact on both, and each pixel's own byte (checked on the CPU's result).
        Assert.Equal(results[0], results[1]);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < h * w; p++)
                    Assert.Equal(table[c * 256 + pixels[i][3 * p + c]], results[0][(i * 3 + c) * h * w + p]);
    }

    // A separate addend (a block's residual): on CUDA with cuBLASLt, read as C while D is written elsewhere.
    public static TheoryData<int, int, int, int, bool, float> AddendGemmCases => new()
    {
        { 1, 37, 40, 23, true, 1f }, { 1, 5, 7, 3, true, 0.5f }, { 1, 5, 7, 3, false, 1f }, { 2, 3, 4, 5, true, 1f }, { 1, 1, 1, 1, true, 1f },
        { 1, 4, 6, 0, true, 1f }, { 1, 130, 133, 21, true, 1f },
    };

    [Theory, MemberData(nameof(AddendGemmCases))]
    public void MatMulWithAddend(int batch, int m, int n, int k, bool bias, float beta)
    {
        var shape = new GemmShape(batch, m, n, k, false, true, (long)m * k, 0, (long)m * n);
        // The addend is compared too: it must come out as it went in.
        Check($"gemm + addend {shape}", [In("a", [batch, m, k], 66), In("b", [n, k], 67), In("bias", [n], 68), Acc("r", [batch, m, n], 69), Out("c", batch, m, n)],
            (be, t) => be.MatMul(t["a"], t["b"], bias ? t["bias"] : null, shape, 0.75f, beta, t["c"], t["r"]));
    }

    // GEMM operands inside wider matrices (explicit leading dimensions), as attention's per-head views use.
    public static TheoryData<int, int, int, int, bool, bool, bool, float> StridedGemmCases => new()
    {
        { 2, 5, 7, 3, false, true, false, 0f }, { 3, 9, 4, 6, true, false, true, 0.5f }, { 1, 17, 19, 23, true, true, false, 1f }, { 2, 4, 3, 0, false, false, true, 0.5f },
    };

    [Theory, MemberData(nameof(StridedGemmCases))]
    public void MatMulWithLeadingDimensions(int batch, int m, int n, int k, bool ta, bool tb, bool bias, float beta)
    {
        // Each stored row has 3 extra columns; C's gaps (and the tail) must stay as they were.
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 3, ldc = n + 3;
        int rowsA = ta ? k : m, rowsB = tb ? n : k;
        long sa = (long)rowsA * lda + 1, sb = (long)rowsB * ldb + 2, sc = (long)m * ldc + 1;
        var shape = new GemmShape(batch, m, n, k, ta, tb, sa, sb, sc) { Lda = lda, Ldb = ldb, Ldc = ldc };
        Check($"strided gemm {shape}", [In("a", [batch * (int)sa], 62), In("b", [batch * (int)sb], 63), In("bias", [n], 65), Acc("c", [batch * (int)sc], 64)], (be, t) =>
            be.MatMul(t["a"], t["b"], bias ? t["bias"] : null, shape, 0.75f, beta, t["c"]));
    }

    public static TheoryData<int, int> RowShapes => new() { { 5, 37 }, { 2, 300 }, { 1, 1 }, { 0, 4 }, { 203, 5 } };

    [Theory, MemberData(nameof(RowShapes))]
    public void LayerNormAndBackward(int rows, int d)
    {
        // accumulateDx: dx already holds a residual connection's gradient and gets LayerNorm's added.
        foreach (bool accumulate in new[] { false, true })
            Check($"layer norm, accumulate dx {accumulate}", [In("x", [rows, d], 21), In("gamma", [d], 22), In("beta", [d], 23), In("g", [rows, d], 24),
                Out("y", rows, d), Out("mean", rows), Out("rstd", rows), accumulate ? Acc("dx", [rows, d], 27) : Out("dx", rows, d), Acc("dgamma", [d], 25), Acc("dbeta", [d], 26)], (b, t) =>
            {
                b.LayerNorm(t["x"], t["gamma"], t["beta"], 1e-5f, t["y"], t["mean"], t["rstd"]);
                b.LayerNormBackward(t["x"], t["gamma"], t["mean"], t["rstd"], t["g"], t["dx"], t["dgamma"], t["dbeta"], accumulate);
            }, rtol: 1e-3);
    }

    [Theory, MemberData(nameof(RowShapes))]
    public void SoftmaxAndBackward(int rows, int d)
    {
        foreach (bool log in new[] { false, true })
            Check($"softmax log={log}", [In("x", [rows, d], 27, -4f, 4f), In("g", [rows, d], 28), Out("y", rows, d), Out("dx", rows, d)], (b, t) =>
            {
                b.Softmax(t["x"], log, t["y"]);
                b.SoftmaxBackward(t["y"], t["g"], log, t["dx"]);
            }, rtol: 1e-3);
        // Centred and sharpened (DINO's teacher): (x − shift)·scale, and a scale alone.
        foreach (bool log in new[] { false, true })
            Check($"shifted softmax log={log}", [In("x", [rows, d], 27, -4f, 4f), In("c", [d], 31, -1f, 1f), Out("y", rows, d), Out("z", rows, d)], (b, t) =>
            {
                b.Softmax(t["x"], log, t["y"], t["c"], 1f / 0.04f);
                b.Softmax(t["x"], log, t["z"], null, -0.7f);
            }, rtol: 1e-3);
    }

    [Theory, MemberData(nameof(RowShapes))]
    public void L2NormalizeAndWeightNorm(int rows, int d)
    {
        Check("l2 normalize", [In("x", [rows, d], 29), In("g", [rows, d], 30), Out("y", rows, d), Out("n", rows), Out("dx", rows, d)], (b, t) =>
        {
            b.L2Normalize(t["x"], 1e-12f, t["y"], t["n"]);
            b.L2NormalizeBackward(t["x"], t["n"], t["g"], 1e-12f, t["dx"]);
        }, rtol: 1e-3);
        // eps larger than the norm: the clamp path.
        Check("l2 normalize clamped", [In("x", [rows, d], 29, -1e-3f, 1e-3f), In("g", [rows, d], 30), Out("y", rows, d), Out("n", rows), Out("dx", rows, d)], (b, t) =>
        {
            b.L2Normalize(t["x"], 10f, t["y"], t["n"]);
            b.L2NormalizeBackward(t["x"], t["n"], t["g"], 10f, t["dx"]);
        });
        Check("weight norm", [In("gain", [rows], 31), In("v", [rows, d], 32), In("dw", [rows, d], 33), Out("w", rows, d), Out("n", rows), Out("dg", rows), Out("dv", rows, d)], (b, t) =>
        {
            b.WeightNorm(t["gain"], t["v"], t["w"], t["n"]);
            b.WeightNormBackward(t["gain"], t["v"], t["n"], t["dw"], t["dg"], t["dv"]);
        }, rtol: 1e-3);
    }

    [Theory, MemberData(nameof(RowShapes))]
    public void SoftCrossEntropyAndBackward(int rows, int k)
    {
        // scale 1, a student temperature's 1/0.1, and a negative one (its max is the logits' min).
        foreach (float scale in new[] { 1f, 10f, -2.5f })
            Check($"sce scale {scale}", [In("t", [rows, k], 34, 0f, 1f), In("s", [rows, k], 35, -5f, 5f), In("dl", [rows], 36), Out("loss", rows), Out("lse", rows), Out("ds", rows, k)], (b, t) =>
            {
                b.SoftCrossEntropy(t["t"], t["s"], scale, t["loss"], t["lse"]);
                b.SoftCrossEntropyBackward(t["t"], t["s"], scale, t["lse"], t["dl"], t["ds"]);
            }, rtol: 1e-3);
    }

    // (B, H, Lq, Lk, Dh, masked): contiguous [B, H, L, Dh] operands (Ops.Attention), Lq ≠ Lk included.
    public static TheoryData<int, int, int, int, int, bool> AttentionShapes => new()
    {
        { 1, 3, 7, 5, 4, false }, { 2, 1, 5, 5, 3, true }, { 1, 1, 1, 1, 1, false }, { 2, 1, 9, 17, 8, true }, { 2, 3, 4, 6, 5, true },
    };

    [Theory, MemberData(nameof(AttentionShapes))]
    public void AttentionAndBackward(int batch, int heads, int lq, int lk, int dh, bool masked) =>
        Check("attention", [In("q", [batch, heads, lq, dh], 37), In("k", [batch, heads, lk, dh], 38), In("v", [batch, heads, lk, dh], 39), In("mask", [lq, lk], 40, -2f, 0f),
            In("go", [batch, heads, lq, dh], 41), Out("o", batch, heads, lq, dh), Out("p", batch, heads, lq, lk),
            Out("dq", batch, heads, lq, dh), Out("dk", batch, heads, lk, dh), Out("dv", batch, heads, lk, dh)], (b, t) =>
        {
            var s = new AttentionShape(batch, heads, lq, lk, dh);
            QkvViews Views(string q, string k, string v) => new(HeadView.Contiguous(t[q]), HeadView.Contiguous(t[k]), HeadView.Contiguous(t[v]));
            b.Attention(s, Views("q", "k", "v"), masked ? t["mask"] : null, 0.5f, HeadView.Contiguous(t["o"]), t["p"]);
            b.AttentionBackward(s, Views("q", "k", "v"), t["p"], HeadView.Contiguous(t["go"]), 0.5f, Views("dq", "dk", "dv"));
        }, rtol: 1e-3);

    // (B, L, H, Dh, masked): q, k, v read in place from a packed qkv [B, L, 3·H·Dh], output merged [B, L, H·Dh].
    public static TheoryData<int, int, int, int, bool> PackedAttentionShapes => new()
    {
        { 2, 7, 3, 5, false }, { 1, 9, 2, 3, true }, { 3, 1, 1, 4, false }, { 2, 17, 3, 8, true }, { 3, 5, 1, 3, true },
    };

    [Theory, MemberData(nameof(PackedAttentionShapes))]
    public void PackedAttentionAndBackward(int batch, int l, int heads, int dh, bool masked)
    {
        int d = heads * dh;
        Check("packed attention", [In("qkv", [batch, l, 3 * d], 56, -2f, 2f), In("mask", [l, l], 57, -2f, 0f), In("go", [batch, l, d], 58),
            Out("o", batch, l, d), Out("p", batch, heads, l, l), Out("dqkv", batch, l, 3 * d)], (b, t) =>
        {
            var s = new AttentionShape(batch, heads, l, l, dh);
            b.Attention(s, QkvViews.Packed(t["qkv"], heads), masked ? t["mask"] : null, 0.5f, HeadView.Columns(t["o"], dh, 0), t["p"]);
            b.AttentionBackward(s, QkvViews.Packed(t["qkv"], heads), t["p"], HeadView.Columns(t["go"], dh, 0), 0.5f, QkvViews.Packed(t["dqkv"], heads));
        }, rtol: 1e-3);
        // Added into a gradient already there (the reference tokens' share of the same packed qkv).
        Check("packed attention, accumulated", [In("qkv", [batch, l, 3 * d], 56, -2f, 2f), In("go", [batch, l, d], 58),
            Out("o", batch, l, d), Out("p", batch, heads, l, l), Acc("dqkv", [batch, l, 3 * d], 62)], (b, t) =>
        {
            var s = new AttentionShape(batch, heads, l, l, dh);
            b.Attention(s, QkvViews.Packed(t["qkv"], heads), null, 0.5f, HeadView.Columns(t["o"], dh, 0), t["p"]);
            b.AttentionBackward(s, QkvViews.Packed(t["qkv"], heads), t["p"], HeadView.Columns(t["go"], dh, 0), 0.5f, QkvViews.Packed(t["dqkv"], heads), accumulate: true);
        }, rtol: 1e-3);
    }

    // (B, N, M, H, Dh): refs [B, M, 3D] attend to the patch rows 1..N of main [B, 1+N, 3D] plus their own key.
    public static TheoryData<int, int, int, int, int> RefAttentionShapes => new()
    {
        { 2, 6, 3, 3, 5 }, { 1, 5, 1, 1, 4 }, { 3, 9, 2, 2, 3 }, { 2, 0, 2, 3, 2 }, { 2, 4, 0, 2, 3 },
    };

    [Theory, MemberData(nameof(RefAttentionShapes))]
    public void RefAttentionAndBackward(int batch, int n, int m, int heads, int dh)
    {
        int d = heads * dh;
        // dMain's q part and CLS row are not the primitive's to write: they stay NaN on both backends.
        Check("ref attention", [In("main", [batch, 1 + n, 3 * d], 59, -2f, 2f), In("refs", [batch, m, 3 * d], 60, -2f, 2f), In("go", [batch, m, d], 61),
            Out("o", batch, m, d), Out("p", batch, heads, m, n + 1), Out("dmain", batch, 1 + n, 3 * d), Out("drefs", batch, m, 3 * d)], (b, t) =>
        {
            var s = new AttentionShape(batch, heads, m, n, dh);
            var patches = QkvViews.Packed(t["main"], heads, firstRow: 1);
            var dPatches = QkvViews.Packed(t["dmain"], heads, firstRow: 1);
            b.RefAttention(s, QkvViews.Packed(t["refs"], heads), patches.K, patches.V, 0.5f, HeadView.Columns(t["o"], dh, 0), t["p"]);
            b.RefAttentionBackward(s, QkvViews.Packed(t["refs"], heads), patches.K, patches.V, t["p"], HeadView.Columns(t["go"], dh, 0), 0.5f,
                QkvViews.Packed(t["drefs"], heads), dPatches.K, dPatches.V);
        }, rtol: 1e-3);
        // The patch k and v gradients added into main's gradient already there; the rest of it untouched.
        Check("ref attention, accumulated", [In("main", [batch, 1 + n, 3 * d], 59, -2f, 2f), In("refs", [batch, m, 3 * d], 60, -2f, 2f), In("go", [batch, m, d], 61),
            Out("o", batch, m, d), Out("p", batch, heads, m, n + 1), Acc("dmain", [batch, 1 + n, 3 * d], 63), Out("drefs", batch, m, 3 * d)], (b, t) =>
        {
            var s = new AttentionShape(batch, heads, m, n, dh);
            var patches = QkvViews.Packed(t["main"], heads, firstRow: 1);
            var dPatches = QkvViews.Packed(t["dmain"], heads, firstRow: 1);
            b.RefAttention(s, QkvViews.Packed(t["refs"], heads), patches.K, patches.V, 0.5f, HeadView.Columns(t["o"], dh, 0), t["p"]);
            b.RefAttentionBackward(s, QkvViews.Packed(t["refs"], heads), patches.K, patches.V, t["p"], HeadView.Columns(t["go"], dh, 0), 0.5f,
                QkvViews.Packed(t["drefs"], heads), dPatches.K, dPatches.V, accumulatePatches: true);
        }, rtol: 1e-3);
    }

    public static TheoryData<int, int, int, int, int, int> GridShapes => new() { { 2, 3, 5, 7, 4, 6 }, { 1, 1, 1, 1, 1, 1 }, { 1, 2, 8, 3, 5, 5 } };

    [Theory, MemberData(nameof(GridShapes))]
    public void GridSampleAndBackward(int n, int c, int h, int w, int ho, int wo) =>
        Check("grid sample", [In("x", [n, c, h, w], 42), In("grid", [n, ho, wo, 2], 43, -1.3f, 1.3f), In("go", [n, c, ho, wo], 44),
            Out("y", n, c, ho, wo), Out("dx", n, c, h, w), Out("dgrid", n, ho, wo, 2)], (b, t) =>
        {
            b.GridSampleBicubic(t["x"], t["grid"], t["y"]);
            b.GridSampleBicubicBackward(t["x"], t["grid"], t["go"], t["dx"], t["dgrid"]);
        }, rtol: 1e-3);

    public static TheoryData<int, int, int, int, double> InterpolateShapes => new()
    {
        { 5, 7, 9, 4, 0 }, { 4, 4, 4, 4, 0 }, { 3, 5, 7, 12, 2.5 }, { 1, 1, 3, 2, 0 },
    };

    [Theory, MemberData(nameof(InterpolateShapes))]
    public void InterpolateAndBackward(int h, int w, int ho, int wo, double scale) =>
        Check("interpolate", [In("x", [2, 3, h, w], 45), In("go", [2, 3, ho, wo], 46), Out("y", 2, 3, ho, wo), Out("dx", 2, 3, h, w)], (b, t) =>
        {
            b.InterpolateBicubic(t["x"], scale, scale, t["y"]);
            b.InterpolateBicubicBackward(t["go"], scale, scale, t["dx"]);
        }, rtol: 1e-3);

    [Theory, MemberData(nameof(Sizes))]
    public void OptimiserPrimitives(int n)
    {
        Check($"sum of squares {n}", [In("x", [n], 47), Acc("r", [3], 48)], (b, t) => Optim.SumOfSquares(t["x"], t["r"], 1), rtol: 1e-3);
        foreach (float maxNorm in new[] { 0.5f, 1e6f })
            Check($"clip {n} {maxNorm}", [Acc("x", [n], 49), Out("r", 2)], (b, t) =>
            {
                Optim.SumOfSquares(t["x"], t["r"], 1);
                b.ClipByNorm(t["x"], t["r"], 1, maxNorm);
            }, rtol: 1e-3);
        Check($"adamw {n}", [In("g", [n], 50), Acc("p", [n], 51), Acc("m", [n], 52), new Spec("v", [n], Random([n], 53, 0f, 1f), true)], (b, t) =>
            Optim.AdamW(t["p"], t["g"], t["m"], t["v"], new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0.04f, 3)));
        // Clip and the teacher's EMA folded into the pass: a clipping and a non-clipping norm.
        foreach (float maxNorm in new[] { 0.5f, 1e6f })
            Check($"adamw+clip+ema {n} {maxNorm}", [In("g", [n], 56), Acc("p", [n], 57), Acc("m", [n], 58),
                new Spec("v", [n], Random([n], 59, 0f, 1f), true), Acc("t", [n], 60), Out("r", 2)], (b, t) =>
            {
                Optim.SumOfSquares(t["g"], t["r"], 1);
                Optim.AdamW(t["p"], t["g"], t["m"], t["v"], new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0.04f, 3),
                    new AdamWFusion(t["r"], 1, maxNorm, t["t"], 0.996f));
            }, rtol: 1e-3);
        Check($"ema {n}", [In("s", [n], 54), Acc("t", [n], 55)], (b, t) => b.Ema(t["t"], t["s"], 0.996f));
    }

    /// <summary>
    /// Many parameters in flat buffers, one pass: segments of awkward lengths (empty, 1, odd, longer than a GPU
    /// piece) with gaps between them that must stay untouched, their own step counts and decays, clip indices
    /// out of order (one clipping, one not), and the teacher's EMA.
    /// </summary>
    [Fact]
    public void SegmentedOptimiserPass()
    {
        (long Start, long Length)[] layout = [(3, 1), (4, 0), (9, 17), (26, 8193), (8300, 63), (8363, 200)];
        const int n = 8600;
        var flat = Array.ConvertAll(layout, s => new FlatSegment(s.Start, s.Length));
        // one gradient scaled up so its norm clips at max norm 4
        var grad = Random([n], 61, -1f, 1f);
        for (long i = 9; i < 26; i++) grad[i] *= 10f;
        AdamWSegment Segment(int k, int step, float decay, int clip) =>
            AdamWSegment.For(layout[k].Start, layout[k].Length, new AdamWStep(2e-3f, 0.9f, 0.999f, 1e-8f, decay, step), clip);
        AdamWSegment[] segments = [Segment(0, 3, 0.04f, 5), Segment(1, 3, 0.04f, 4), Segment(2, 1, 0f, 3), Segment(3, 3, 0.04f, 2), Segment(4, 7, 0f, 1), Segment(5, 3, 0.04f, 0)];
        Check("segmented sum of squares", [new Spec("g", [n], grad, false), Acc("r", [7], 62)],
            (b, t) => Optim.SumOfSquares(t["g"], flat, t["r"]), rtol: 1e-3);
        Check("segmented adamw+clip+ema", [new Spec("g", [n], grad, false), Acc("p", [n], 63), Acc("m", [n], 64),
            new Spec("v", [n], Random([n], 65, 0f, 1f), true), Acc("t", [n], 66), Out("r", 6)], (b, t) =>
        {
            Optim.SumOfSquares(t["g"], flat.Reverse().ToArray(), t["r"]);   // entry k holds segment 5 − k's norm
            Optim.AdamW(t["p"], t["g"], t["m"], t["v"], segments, new AdamWPass(0.9f, 0.999f, 1e-8f, t["r"], 4f, t["t"], 0.996f));
        }, rtol: 1e-3);
        Check("segmented adamw", [new Spec("g", [n], grad, false), Acc("p", [n], 67), Acc("m", [n], 68),
            new Spec("v", [n], Random([n], 69, 0f, 1f), true)],
            (b, t) => Optim.AdamW(t["p"], t["g"], t["m"], t["v"], segments, new AdamWPass(0.9f, 0.999f, 1e-8f)), rtol: 1e-3);
    }
}

public sealed class IlgpuCpuEquivalenceTests : EquivalenceTests
{
    protected override IBackend Gpu => IlgpuTestBackends.Simulator;
}

/// <summary>The same cases on CUDA (cuBLAS GEMM where it loads); skipped with the reason where there is no device.</summary>
public sealed class CudaEquivalenceTests : EquivalenceTests
{
    protected override IBackend Gpu => IlgpuTestBackends.CudaOrSkip;
}
