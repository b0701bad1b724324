using DenseDino.Backends.Cpu;
using static DenseDino.Numerics.Tests.GradInput;

namespace DenseDino.Numerics.Tests;

/// <summary>
/// Finite-difference checks of every differentiable op's backward against its forward, on
/// awkward shapes (odd sizes, sizes that are not multiples of 8/16, size-1 axes, broadcasting).
/// Resampling ops live in <see cref="ResamplingFiniteDifferenceTests"/>.
/// </summary>
public sealed class FiniteDifferenceTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    public void Dispose() => be.Dispose();

    private void Check(Func<Tensor[], Tensor> f, GradInput[] inputs, int seed = 1234, double atol = GradCheck.DefaultAtol, double rtol = GradCheck.DefaultRtol) =>
        GradCheck.Run(be, f, inputs, seed, atol: atol, rtol: rtol);

    // ---------------- element-wise unary ----------------

    public static TheoryData<string, int[]> UnaryCases()
    {
        var data = new TheoryData<string, int[]>();
        string[] ops = ["Neg", "Exp", "Log", "Sqrt", "Tanh", "Relu", "Gelu", "AddScalar", "MulScalar", "Pow2", "Pow3", "PowHalf", "PowMinus1.5"];
        int[][] shapes = [[17], [3, 1, 11], [1, 33]];
        foreach (var op in ops)
            foreach (var s in shapes) data.Add(op, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void Unary(string op, int[] shape)
    {
        var rng = new Random(shape.Sum() * 31 + op.Length);
        Func<Tensor, Tensor> f = op switch
        {
            "Neg" => Ops.Neg,
            "Exp" => Ops.Exp,
            "Log" => Ops.Log,
            "Sqrt" => Ops.Sqrt,
            "Tanh" => Ops.Tanh,
            "Relu" => Ops.Relu,
            "Gelu" => Ops.Gelu,
            "AddScalar" => x => Ops.Add(x, 0.75f),
            "MulScalar" => x => Ops.Mul(x, -1.5f),
            "Pow2" => x => Ops.Pow(x, 2f),
            "Pow3" => x => Ops.Pow(x, 3f),
            "PowHalf" => x => Ops.Pow(x, 0.5f),
            "PowMinus1.5" => x => Ops.Pow(x, -1.5f),
            _ => throw new ArgumentException(op),
        };
        var input = op switch
        {
            "Log" or "Sqrt" or "PowHalf" or "PowMinus1.5" => Positive(rng, shape),
            "Relu" => AwayFromZero(rng, shape),
            "Exp" or "Tanh" or "Gelu" => Uniform(rng, shape, -2f, 2f),
            _ => AwayFromZero(rng, shape),
        };
        Check(t => f(t[0]), [input]);
    }

    // ---------------- element-wise binary with broadcasting ----------------

    public static TheoryData<string, int[], int[]> BinaryCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        (int[], int[])[] pairs =
        [
            ([5, 7], [5, 7]),
            ([3, 5, 7], [7]),
            ([7], [3, 5, 7]),
            ([3, 1, 7], [1, 5, 1]),
            ([4, 1], [1, 6]),
            ([2, 17], []),
            ([], [3, 1, 5]),
            ([1, 1, 9], [2, 3, 9]),
        ];
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            foreach (var (a, b) in pairs) data.Add(op, a, b);
        return data;
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary(string op, int[] shapeA, int[] shapeB)
    {
        var rng = new Random(shapeA.Sum() * 131 + shapeB.Sum() * 7 + op.Length);
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "Add" => Ops.Add,
            "Sub" => Ops.Sub,
            "Mul" => Ops.Mul,
            "Div" => Ops.Div,
            _ => throw new ArgumentException(op),
        };
        var b = op == "Div" ? AwayFromZero(rng, shapeB) : Uniform(rng, shapeB);
        if (op == "Div") // keep divisors in ±[0.5, 1.5) so 1/b stays smooth over ±h
            b = new GradInput(b.Data.Select(v => v + (v > 0 ? 0.25f : -0.25f)).ToArray(), shapeB);
        Check(t => f(t[0], t[1]), [Uniform(rng, shapeA), b]);
    }

    [Fact]
    public void BinaryOnlyOneSideDifferentiable()
    {
        var rng = new Random(5);
        Check(t => Ops.Mul(t[0], t[1]), [Uniform(rng, [3, 5, 7]), AwayFromZero(rng, [5, 1], differentiable: false)]);
        Check(t => Ops.Div(t[0], t[1]), [Uniform(rng, [4, 1], differentiable: false), Positive(rng, [1, 6])]);
    }

    // ---------------- reductions ----------------

    public static TheoryData<string, int, bool> ReduceCases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var op in new[] { "Sum", "Mean", "Max" })
            foreach (int axis in new[] { 0, 1, 2, -1 })
                foreach (bool keep in new[] { false, true }) data.Add(op, axis, keep);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReduceCases))]
    public void Reduce(string op, int axis, bool keepDim)
    {
        var rng = new Random(axis * 10 + (keepDim ? 1 : 0) + op.Length * 100);
        int[] shape = [3, 11, 5];
        var input = op == "Max" ? Distinct(rng, shape) : Uniform(rng, shape);
        Func<Tensor, Tensor> f = op switch
        {
            "Sum" => x => Ops.Sum(x, axis, keepDim),
            "Mean" => x => Ops.Mean(x, axis, keepDim),
            _ => x => Ops.Max(x, axis, keepDim),
        };
        Check(t => f(t[0]), [input]);
    }

    [Fact]
    public void ReduceOverSizeOneAxis()
    {
        var rng = new Random(3);
        Check(t => Ops.Sum(t[0], 1), [Uniform(rng, [7, 1, 3])]);
        Check(t => Ops.Mean(t[0], 1, keepDim: true), [Uniform(rng, [7, 1, 3])]);
        Check(t => Ops.Max(t[0], 1), [Uniform(rng, [7, 1, 3])]);
    }

    [Fact]
    public void SumAndMeanOfAll()
    {
        var rng = new Random(4);
        // The loss weights make d/dx non-constant only through the op; a scalar output still checks the 1 / (1/n) factor.
        Check(t => Ops.Sum(t[0]), [Uniform(rng, [3, 17])]);
        Check(t => Ops.Mean(Ops.Mul(t[0], t[0])), [Uniform(rng, [2, 3, 7])]);
    }

    // ---------------- movement ----------------

    [Fact]
    public void Reshape()
    {
        var rng = new Random(6);
        // A reshape alone has a weight-shaped gradient; multiply by a fixed tensor after it so that a wrong element order shows.
        var scale = Uniform(rng, [5, 21], differentiable: false);
        Check(t => Ops.Mul(Ops.Reshape(t[0], 5, -1), t[1]), [Uniform(rng, [3, 5, 7]), scale]);
        Check(t => Ops.Reshape(Ops.Exp(t[0]), 7, 1, 3), [Uniform(rng, [21])]);
    }

    [Fact]
    public void PermuteAndTranspose()
    {
        var rng = new Random(7);
        Check(t => Ops.Permute(Ops.Tanh(t[0]), 2, 0, 1), [Uniform(rng, [2, 3, 5])]);
        Check(t => Ops.Mul(Ops.Permute(t[0], 3, 1, 0, 2), t[1]), [Uniform(rng, [2, 1, 3, 5]), Uniform(rng, [5, 1, 2, 3], differentiable: false)]);
        Check(t => Ops.Mul(Ops.Transpose(t[0], 0, -1), t[1]), [Uniform(rng, [3, 4, 7]), Uniform(rng, [7, 4, 3], differentiable: false)]);
    }

    [Fact]
    public void Concat()
    {
        var rng = new Random(8);
        Check(t => Ops.Concat(0, t[0], t[1], t[2]), [Uniform(rng, [2, 5]), Uniform(rng, [1, 5]), Uniform(rng, [3, 5])]);
        Check(t => Ops.Exp(Ops.Concat(1, t[0], t[1])), [Uniform(rng, [3, 1, 4]), Uniform(rng, [3, 5, 4])]);
        Check(t => Ops.Concat(-1, t[0], t[1], t[2]), [Uniform(rng, [2, 3, 7]), Uniform(rng, [2, 3, 1]), Uniform(rng, [2, 3, 2], differentiable: false)]);
    }

    [Fact]
    public void Slice()
    {
        var rng = new Random(9);
        Check(t => Ops.Slice(t[0], 0, 1, 3), [Uniform(rng, [5, 7])]);        // leading axis: a view
        Check(t => Ops.Slice(t[0], 1, 2, 5), [Uniform(rng, [3, 9, 4])]);     // middle axis: a copy
        Check(t => Ops.Slice(t[0], -1, 6, 1), [Uniform(rng, [4, 7])]);       // last axis, length 1
        Check(t => Ops.Mul(Ops.Slice(t[0], 1, 0, 3), Ops.Slice(t[0], 1, 2, 3)), [Uniform(rng, [3, 5, 2])]); // overlapping slices
    }

    [Fact]
    public void IndexSelect()
    {
        var rng = new Random(10);
        Check(t => Ops.IndexSelect(t[0], 1, [4, 0, 4, 2, 4]), [Uniform(rng, [3, 5, 2])]);   // repeats accumulate
        Check(t => Ops.IndexSelect(t[0], 0, [6, 1]), [Uniform(rng, [7, 3])]);
        Check(t => Ops.IndexSelect(t[0], -1, [0, 0, 0]), [Uniform(rng, [2, 3, 1])]);
    }

    // ---------------- matrix products ----------------

    public static TheoryData<bool, bool, string> MatMulCases()
    {
        var data = new TheoryData<bool, bool, string>();
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var mode in new[] { "2d", "shared", "perbatch", "perbatch4d" }) data.Add(ta, tb, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void MatMul(bool transA, bool transB, string mode)
    {
        var rng = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + mode.Length * 4);
        int m = 5, k = 7, n = 3;
        int[] a2 = transA ? [k, m] : [m, k], b2 = transB ? [n, k] : [k, n];
        int[] batch = mode switch { "2d" => [], "shared" or "perbatch" => [3], _ => [2, 1] };
        int[] aShape = [.. batch, .. a2];
        int[] bShape = mode is "perbatch" or "perbatch4d" ? [.. batch, .. b2] : b2;
        Check(t => Ops.MatMul(t[0], t[1], transA, transB), [Uniform(rng, aShape), Uniform(rng, bShape)]);
    }

    [Fact]
    public void MatMulOddSizes()
    {
        var rng = new Random(11);
        Check(t => Ops.MatMul(t[0], t[1]), [Uniform(rng, [1, 17]), Uniform(rng, [17, 9])]);           // m = 1
        Check(t => Ops.MatMul(t[0], t[1], false, true), [Uniform(rng, [2, 9, 1]), Uniform(rng, [2, 11, 1])]); // k = 1
        Check(t => Ops.MatMul(t[0], t[1], true, false), [Uniform(rng, [2, 3, 1]), Uniform(rng, [3, 1])]);     // n = 1, m = 1, shared b
        Check(t => Ops.MatMul(t[0], t[0], false, true), [Uniform(rng, [3, 4, 6])]);                          // a·aᵀ: same tensor twice
    }

    [Fact]
    public void Linear()
    {
        var rng = new Random(12);
        Check(t => Ops.Linear(t[0], t[1], t[2]), [Uniform(rng, [3, 4, 7]), Uniform(rng, [5, 7]), Uniform(rng, [5])]);
        Check(t => Ops.Linear(t[0], t[1]), [Uniform(rng, [3, 4, 7]), Uniform(rng, [5, 7])]);
        Check(t => Ops.Linear(t[0], t[1], t[2]), [Uniform(rng, [9]), Uniform(rng, [17, 9]), Uniform(rng, [17])]);     // 1-D x
        Check(t => Ops.Linear(t[0], t[1], t[2]), [Uniform(rng, [11, 1]), Uniform(rng, [1, 1]), Uniform(rng, [1])]); // in = out = 1
        Check(t => Ops.Linear(t[0], t[1], t[2]), [Uniform(rng, [6, 5], differentiable: false), Uniform(rng, [3, 5]), Uniform(rng, [3], differentiable: false)]);
    }

    [Fact]
    public void LinearWithResidual()
    {
        var rng = new Random(31);
        Check(t => Ops.Linear(t[0], t[1], t[2], t[3]), [Uniform(rng, [3, 4, 7]), Uniform(rng, [5, 7]), Uniform(rng, [5]), Uniform(rng, [3, 4, 5])]);
        Check(t => Ops.Linear(t[0], t[1], null, t[2]), [Uniform(rng, [1, 9]), Uniform(rng, [1, 9]), Uniform(rng, [1, 1])]);    // out = 1
        // x is also the residual (in = out): its gradient is the GEMM's plus the pass-through.
        Check(t => Ops.Linear(t[0], t[1], t[2], t[0]), [Uniform(rng, [6, 5]), Uniform(rng, [5, 5]), Uniform(rng, [5])]);
        // A residual that needs no gradient, and one that is a computed tensor.
        Check(t => Ops.Linear(t[0], t[1], t[2], t[3]), [Uniform(rng, [2, 3]), Uniform(rng, [4, 3]), Uniform(rng, [4]), Uniform(rng, [2, 4], differentiable: false)]);
        Check(t => Ops.Linear(t[0], t[1], t[2], Ops.Mul(t[3], t[3])), [Uniform(rng, [2, 3]), Uniform(rng, [4, 3]), Uniform(rng, [4]), Uniform(rng, [2, 4])]);
    }

    // ---------------- row ops ----------------

    [Fact]
    public void LayerNorm()
    {
        var rng = new Random(13);
        Check(t => Ops.LayerNorm(t[0], t[1], t[2]), [Uniform(rng, [4, 17], -2f, 2f), Uniform(rng, [17], 0.5f, 1.5f), Uniform(rng, [17])]);
        Check(t => Ops.LayerNorm(t[0], t[1], t[2], 1e-5f), [Uniform(rng, [2, 3, 9], -2f, 2f), Uniform(rng, [9], -1.5f, 1.5f), Uniform(rng, [9])]);
        Check(t => Ops.LayerNorm(t[0], t[1], t[2]), [Uniform(rng, [1, 33]), Uniform(rng, [33], 0.5f, 1.5f, differentiable: false), Uniform(rng, [33], differentiable: false)]);
        // Residual connections: LayerNorm adds its dx into the skip path's pending gradient in place
        // (the second), or must not (the first: that pending gradient is its own output gradient).
        Check(t => Ops.Add(t[0], Ops.LayerNorm(t[0], t[1], t[2])), [Uniform(rng, [3, 11], -2f, 2f), Uniform(rng, [11], 0.5f, 1.5f), Uniform(rng, [11])]);
        // (The outer scale makes the residual's gradient Backprop's own, not the caller's, so it may be added into.)
        Check(t => Ops.Mul(Ops.Add(t[0], Ops.Mul(Ops.LayerNorm(t[0], t[1], t[2]), 1.5f)), 0.7f), [Uniform(rng, [3, 11], -2f, 2f), Uniform(rng, [11], 0.5f, 1.5f), Uniform(rng, [11])]);
    }

    [Fact]
    public void Softmax()
    {
        var rng = new Random(14);
        Check(t => Ops.Softmax(t[0]), [Uniform(rng, [4, 17], -3f, 3f)]);
        Check(t => Ops.Softmax(t[0]), [Uniform(rng, [2, 3, 7], -3f, 3f)]);
        // Logits near 100: exp would overflow float32 without the max subtraction.
        Check(t => Ops.Softmax(Ops.Add(t[0], 100f)), [Uniform(rng, [3, 5], -3f, 3f)], atol: 5e-3);
        // DINO's centred, sharpened softmax: the center is a constant.
        Check(t => Ops.Softmax(t[0], t[1], 2.5f), [Uniform(rng, [3, 5], -1f, 1f), Uniform(rng, [1, 5], -0.5f, 0.5f, differentiable: false)]);
    }

    [Fact]
    public void LogSoftmax()
    {
        var rng = new Random(15);
        Check(t => Ops.LogSoftmax(t[0]), [Uniform(rng, [4, 17], -3f, 3f)]);
        Check(t => Ops.LogSoftmax(t[0]), [Uniform(rng, [2, 3, 7], -3f, 3f)]);
        Check(t => Ops.LogSoftmax(Ops.Add(t[0], 100f)), [Uniform(rng, [3, 5], -3f, 3f)], atol: 5e-3);
    }

    [Fact]
    public void L2Normalize()
    {
        var rng = new Random(16);
        Check(t => Ops.L2Normalize(t[0]), [Uniform(rng, [3, 17])]);
        Check(t => Ops.L2Normalize(t[0]), [Uniform(rng, [2, 2, 5])]);
        Check(t => Ops.L2Normalize(t[0]), [AwayFromZero(rng, [7, 2])]);
    }

    [Fact]
    public void WeightNorm()
    {
        var rng = new Random(17);
        Check(t => Ops.WeightNorm(t[0], t[1]), [AwayFromZero(rng, [5]), Uniform(rng, [5, 9])]);
        Check(t => Ops.WeightNorm(t[0], t[1]), [Positive(rng, [1]), Uniform(rng, [1, 17])]);
        Check(t => Ops.WeightNorm(t[0], t[1]), [Positive(rng, [3], differentiable: false), Uniform(rng, [3, 2])]);
        // Through a Linear, as DINO's head uses it (the v gradient is orthogonal to v per row).
        Check(t => Ops.Linear(t[2], Ops.WeightNorm(t[0], t[1])), [Positive(rng, [4]), Uniform(rng, [4, 6]), Uniform(rng, [3, 6])]);
    }

    private static GradInput SoftmaxRows(Random rng, int[] shape)
    {
        int k = shape[^1];
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int r = 0; r < data.Length / k; r++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++) sum += data[r * k + j] = MathF.Exp(2f * (rng.NextSingle() - 0.5f) * 2f);
            for (int j = 0; j < k; j++) data[r * k + j] = (float)(data[r * k + j] / sum);
        }
        return Const(data, shape);
    }

    [Fact]
    public void SoftCrossEntropy()
    {
        var rng = new Random(18);
        Check(t => Ops.SoftCrossEntropy(t[0], t[1]), [SoftmaxRows(rng, [4, 17]), Uniform(rng, [4, 17], -3f, 3f)]);
        Check(t => Ops.SoftCrossEntropy(t[0], t[1]), [SoftmaxRows(rng, [2, 3, 7]), Uniform(rng, [2, 3, 7], -3f, 3f)]);
        Check(t => Ops.SoftCrossEntropy(t[0], t[1]), [SoftmaxRows(rng, [33]), Uniform(rng, [33], -3f, 3f)]); // one row → scalar []
        Check(t => Ops.SoftCrossEntropy(t[0], t[1], 10f), [SoftmaxRows(rng, [3, 19]), Uniform(rng, [3, 19], -0.3f, 0.3f)]); // 1/τ folded in
        // Targets that do not sum to 1 (the backward must scale softmax by Σt).
        Check(t => Ops.SoftCrossEntropy(t[0], t[1]), [Uniform(rng, [3, 5], 0f, 1f, differentiable: false), Uniform(rng, [3, 5], -2f, 2f)]);
    }

    // ---------------- attention ----------------

    /// <summary>DenseDINO token layout [CLS][REF×2][PATCH×4]: nobody sees REF keys but each REF sees itself; REF queries do not see CLS.</summary>
    internal static bool[,] DenseDinoMask()
    {
        const int l = 7;
        var blocked = new bool[l, l];
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++)
            {
                bool refKey = j is 1 or 2, refQuery = i is 1 or 2;
                blocked[i, j] = (refKey && i != j) || (refQuery && j == 0);
            }
        return blocked;
    }

    [Fact]
    public void AttentionNoMask()
    {
        var rng = new Random(19);
        int[] s = [2, 3, 4, 5];
        Check(t => Ops.Attention(t[0], t[1], t[2], null, 1f / MathF.Sqrt(5)), [Uniform(rng, s, -2f, 2f), Uniform(rng, s, -2f, 2f), Uniform(rng, s)]);
    }

    [Fact]
    public void AttentionDenseDinoMask()
    {
        var rng = new Random(20);
        int[] s = [1, 2, 7, 5];
        var mask = Ops.AttentionMask(be, DenseDinoMask());
        try
        {
            Check(t => Ops.Attention(t[0], t[1], t[2], mask, 0.5f), [Uniform(rng, s, -2f, 2f), Uniform(rng, s, -2f, 2f), Uniform(rng, s)]);
        }
        finally { mask.Dispose(); }
    }

    [Fact]
    public void CrossAttention()
    {
        var rng = new Random(21);
        // Lq = 3 ≠ Lk = 6, Dh = 3, two heads; then again with a mask that blocks some keys.
        Check(t => Ops.Attention(t[0], t[1], t[2], null, 0.7f), [Uniform(rng, [2, 2, 3, 3], -2f, 2f), Uniform(rng, [2, 2, 6, 3], -2f, 2f), Uniform(rng, [2, 2, 6, 3])]);
        var blocked = new bool[3, 6];
        blocked[0, 1] = blocked[0, 5] = blocked[1, 0] = blocked[2, 2] = blocked[2, 3] = true;
        var mask = Ops.AttentionMask(be, blocked);
        try
        {
            Check(t => Ops.Attention(t[0], t[1], t[2], mask, 0.7f), [Uniform(rng, [1, 2, 3, 3], -2f, 2f), Uniform(rng, [1, 2, 6, 3], -2f, 2f), Uniform(rng, [1, 2, 6, 3])]);
        }
        finally { mask.Dispose(); }
    }

    // ---------------- composites ----------------

    [Fact]
    public void Dropout()
    {
        var rng = new Random(22);
        Check(t => Ops.Dropout(t[0], 0.3f, 42), [Uniform(rng, [5, 13])]);
        Check(t => Ops.Dropout(Ops.Tanh(t[0]), 0.5f, 7), [Uniform(rng, [3, 1, 17])]);
    }

    [Fact]
    public void DropPath()
    {
        var rng = new Random(23);
        Check(t => Ops.DropPath(t[0], 0.5f, 42), [Uniform(rng, [6, 3, 5])]);
        Check(t => Ops.DropPath(Ops.Exp(t[0]), 0.25f, 3), [Uniform(rng, [9, 7])]);
        // The fused residual step: residual and branch both differentiable, a computed branch, one sample.
        Check(t => Ops.AddDropPath(t[0], t[1], 0.5f, 42), [Uniform(rng, [6, 3, 5]), Uniform(rng, [6, 3, 5])]);
        Check(t => Ops.AddDropPath(t[0], Ops.Exp(t[1]), 0.25f, 3), [Uniform(rng, [9, 7]), Uniform(rng, [9, 7])]);
        Check(t => Ops.AddDropPath(t[0], t[1], 0.5f, 3), [Uniform(rng, [1, 4]), Uniform(rng, [1, 4])]);   // seed 3 keeps the one sample
    }

    [Fact]
    public void PatchEmbed()
    {
        var rng = new Random(24);
        // x [2, 2, 6, 6], patch 3 → 2×2 grid; weight [5, 2, 3, 3], bias [5].
        Check(t => Ops.PatchEmbed(t[0], t[1], t[2], 3), [Uniform(rng, [2, 2, 6, 6]), Uniform(rng, [5, 2, 3, 3]), Uniform(rng, [5])]);
        // Non-square: x [1, 3, 4, 6], patch 2 → 2×3 grid, D = 3.
        Check(t => Ops.PatchEmbed(t[0], t[1], t[2], 2), [Uniform(rng, [1, 3, 4, 6]), Uniform(rng, [3, 3, 2, 2]), Uniform(rng, [3])]);
    }

    [Fact]
    public void GeluLinear()
    {
        var rng = new Random(27);
        // pre [2, 3, 7] (odd, three leading dims), weight [5, 7], with and without bias.
        Check(t => Ops.GeluLinear(t[0], t[1], t[2]), [Uniform(rng, [2, 3, 7], -2.5f, 2.5f), Uniform(rng, [5, 7]), Uniform(rng, [5])]);
        Check(t => Ops.GeluLinear(t[0], t[1]), [Uniform(rng, [1, 9], -2.5f, 2.5f), Uniform(rng, [1, 9])]);
        // Plus a residual [2, 3, 5].
        Check(t => Ops.GeluLinear(t[0], t[1], t[2], t[3]), [Uniform(rng, [2, 3, 7], -2.5f, 2.5f), Uniform(rng, [5, 7]), Uniform(rng, [5]), Uniform(rng, [2, 3, 5])]);
    }

    [Fact]
    public void CompositeMlpWithSoftCrossEntropy()
    {
        var rng = new Random(25);
        // x [6, 9] → LayerNorm → Linear(9→11)+GELU → Linear(11→5) → CE vs fixed soft targets → mean.
        Check(t =>
        {
            var h = Ops.LayerNorm(t[0], t[1], t[2]);
            h = Ops.Gelu(Ops.Linear(h, t[3], t[4]));
            var logits = Ops.Linear(h, t[5], t[6]);
            return Ops.Mean(Ops.SoftCrossEntropy(t[7], logits));
        },
        [
            Uniform(rng, [6, 9], -2f, 2f), Uniform(rng, [9], 0.5f, 1.5f), Uniform(rng, [9]),
            Uniform(rng, [11, 9]), Uniform(rng, [11]), Uniform(rng, [5, 11]), Uniform(rng, [5]),
            SoftmaxRows(rng, [6, 5]),
        ], atol: 5e-4);
    }

    [Fact]
    public void CompositeAttentionBlock()
    {
        var rng = new Random(26);
        // A pre-norm attention block with a residual: x + proj(attn(split_heads(qkv(LN(x))))), x used twice.
        const int b = 1, l = 7, d = 6, heads = 2, dh = 3;
        var mask = Ops.AttentionMask(be, DenseDinoMask());
        try
        {
            Check(t =>
            {
                var x = t[0];
                var h = Ops.LayerNorm(x, t[1], t[2]);
                var qkv = Ops.Linear(h, t[3], t[4]);                                  // [b, l, 3d]
                var split = Ops.Permute(Ops.Reshape(qkv, b, l, 3, heads, dh), 2, 0, 3, 1, 4); // [3, b, H, l, dh]
                var q = Ops.Reshape(Ops.Slice(split, 0, 0, 1), b, heads, l, dh);
                var k = Ops.Reshape(Ops.Slice(split, 0, 1, 1), b, heads, l, dh);
                var v = Ops.Reshape(Ops.Slice(split, 0, 2, 1), b, heads, l, dh);
                var o = Ops.Attention(q, k, v, mask, 1f / MathF.Sqrt(dh));
                var merged = Ops.Reshape(Ops.Transpose(o, 1, 2), b, l, d);
                return Ops.Add(x, Ops.Linear(merged, t[5], t[6]));
            },
            [
                Uniform(rng, [b, l, d], -2f, 2f), Uniform(rng, [d], 0.5f, 1.5f), Uniform(rng, [d]),
                Uniform(rng, [3 * d, d]), Uniform(rng, [3 * d]), Uniform(rng, [d, d]), Uniform(rng, [d]),
            ]);
        }
        finally { mask.Dispose(); }
    }

    [Fact]
    public void CompositeReuseAndArithmetic()
    {
        var rng = new Random(27);
        // (x·x + y) / sqrt(y² + 1) − max_axis(x) (broadcast) : x used three times, y twice.
        Check(t =>
        {
            var x = t[0];
            var y = t[1];
            var num = Ops.Add(Ops.Mul(x, x), y);
            var den = Ops.Sqrt(Ops.Add(Ops.Pow(y, 2f), 1f));
            return Ops.Sub(Ops.Div(num, den), Ops.Max(x, 1, keepDim: true));
        }, [Distinct(rng, [4, 7]), Uniform(rng, [1, 7])]);
        // L2-normalised features through a weight-normed head and a log-softmax (DINO head-like).
        Check(t => Ops.LogSoftmax(Ops.Mul(Ops.Linear(Ops.L2Normalize(t[0]), Ops.WeightNorm(t[1], t[2])), 3f)),
            [Uniform(rng, [3, 8]), Positive(rng, [5]), Uniform(rng, [5, 8])]);
    }
}
