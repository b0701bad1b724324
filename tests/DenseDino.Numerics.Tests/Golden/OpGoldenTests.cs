using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests.Golden;

/// <summary>
/// Every op against PyTorch 1.13 (float64 reference, float32 inputs): forward outputs, then the
/// gradients of Σ out·w for a random w. One abstract suite; each backend is a thin subclass.
/// Tolerance |a − b| ≤ 1e-4 + 1e-4·|ref|: float32 rounding on these small, O(1)-valued cases
/// stays below ~1e-5, so a real bug (a wrong coefficient, index or sign) cannot pass.
/// </summary>
public abstract class OpGoldenTests
{
    private const double Atol = 1e-4, Rtol = 1e-4;

    protected abstract IBackend Backend { get; }

    public static TheoryData<string> Matmul => GoldenFile.Cases("matmul");
    public static TheoryData<string> Elementwise => GoldenFile.Cases("elementwise");
    public static TheoryData<string> Reduce => GoldenFile.Cases("reduce");
    public static TheoryData<string> Movement => GoldenFile.Cases("movement");
    public static TheoryData<string> Norm => GoldenFile.Cases("norm");
    public static TheoryData<string> Attention => GoldenFile.Cases("attention");
    public static TheoryData<string> Loss => GoldenFile.Cases("loss");
    public static TheoryData<string> PatchEmbed => GoldenFile.Cases("patch_embed");
    public static TheoryData<string> GridSample => GoldenFile.Cases("grid_sample");
    public static TheoryData<string> Interpolate => GoldenFile.Cases("interpolate");

    [Theory, MemberData(nameof(Matmul))] public void MatmulOps(string name) => Run("matmul", name);
    [Theory, MemberData(nameof(Elementwise))] public void ElementwiseOps(string name) => Run("elementwise", name);
    [Theory, MemberData(nameof(Reduce))] public void ReduceOps(string name) => Run("reduce", name);
    [Theory, MemberData(nameof(Movement))] public void MovementOps(string name) => Run("movement", name);
    [Theory, MemberData(nameof(Norm))] public void NormOps(string name) => Run("norm", name);
    [Theory, MemberData(nameof(Attention))] public void AttentionOp(string name) => Run("attention", name);
    [Theory, MemberData(nameof(Loss))] public void LossOp(string name) => Run("loss", name);
    [Theory, MemberData(nameof(PatchEmbed))] public void PatchEmbedOp(string name) => Run("patch_embed", name);
    [Theory, MemberData(nameof(GridSample))] public void GridSampleOp(string name) => Run("grid_sample", name);
    [Theory, MemberData(nameof(Interpolate))] public void InterpolateOp(string name) => Run("interpolate", name);

    private void Run(string group, string name)
    {
        var c = GoldenFile.Case(group, name);
        using var scope = TensorScope.Begin();
        var inputs = new Dictionary<string, Tensor>();
        foreach (var (key, value) in c.Inputs)
        {
            var t = Tensor.FromArray(Backend, value.Data, value.Shape);
            t.RequiresGrad = c.Grads.ContainsKey(key);
            inputs[key] = t;
        }
        var output = Forward(c, inputs);
        Compare($"{c}: out", c.Outputs["out"], output.ToArray(), output.Shape);
        if (c.Grads.Count == 0) return;

        var w = Tensor.FromArray(Backend, c.Upstream["out"].Data, c.Upstream["out"].Shape);
        var loss = Ops.Sum(Ops.Mul(output, w));
        loss.Backward();
        foreach (var (key, expected) in c.Grads)
        {
            var grad = inputs[key].Grad ?? throw new Xunit.Sdk.XunitException($"{c}: no gradient reached input {key}");
            Compare($"{c}: grad {key}", expected, grad.ToArray(), grad.Shape);
            inputs[key].ZeroGrad();
        }
    }

    private Tensor Forward(GoldenCase c, Dictionary<string, Tensor> x) => c.Op switch
    {
        "matmul" => Ops.MatMul(x["a"], x["b"], c.ParamBool("transA"), c.ParamBool("transB")),
        "linear" => Ops.Linear(x["x"], x["weight"], x["bias"]),
        "add" => Ops.Add(x["a"], x["b"]),
        "sub" => Ops.Sub(x["a"], x["b"]),
        "mul" => Ops.Mul(x["a"], x["b"]),
        "div" => Ops.Div(x["a"], x["b"]),
        "add_scalar" => Ops.Add(x["x"], (float)c.ParamDouble("value")),
        "mul_scalar" => Ops.Mul(x["x"], (float)c.ParamDouble("value")),
        "pow_scalar" => Ops.Pow(x["x"], (float)c.ParamDouble("exponent")),
        "exp" => Ops.Exp(x["x"]),
        "log" => Ops.Log(x["x"]),
        "sqrt" => Ops.Sqrt(x["x"]),
        "neg" => Ops.Neg(x["x"]),
        "gelu" => Ops.Gelu(x["x"]),
        "tanh" => Ops.Tanh(x["x"]),
        "relu" => Ops.Relu(x["x"]),
        "sum" => Ops.Sum(x["x"], c.ParamInt("axis"), c.ParamBool("keepdim")),
        "mean" => Ops.Mean(x["x"], c.ParamInt("axis"), c.ParamBool("keepdim")),
        "max" => Ops.Max(x["x"], c.ParamInt("axis"), c.ParamBool("keepdim")),
        "reshape" => Ops.Reshape(x["x"], c.ParamInts("shape")),
        "permute" => Ops.Permute(x["x"], c.ParamInts("dims")),
        "transpose" => Ops.Transpose(x["x"], c.ParamInt("dim0"), c.ParamInt("dim1")),
        "concat" => Ops.Concat(c.ParamInt("axis"), x["x0"], x["x1"], x["x2"]),
        "slice" => Ops.Slice(x["x"], c.ParamInt("axis"), c.ParamInt("start"), c.ParamInt("length")),
        "index_select" => Ops.IndexSelect(x["x"], c.ParamInt("axis"), c.ParamInts("indices")),
        "layer_norm" => Ops.LayerNorm(x["x"], x["weight"], x["bias"], (float)c.ParamDouble("eps")),
        "softmax" => Ops.Softmax(x["x"]),
        "log_softmax" => Ops.LogSoftmax(x["x"]),
        "l2_normalize" => Ops.L2Normalize(x["x"], (float)c.ParamDouble("eps")),
        "weight_norm" => Ops.WeightNorm(x["g"], x["v"]),
        "attention" => Ops.Attention(x["q"], x["k"], x["v"], Mask(c, x["q"], x["k"]), (float)c.ParamDouble("scale")),
        "soft_cross_entropy" => Ops.SoftCrossEntropy(x["t"], x["s"]),
        "patch_embed" => Ops.PatchEmbed(x["x"], x["weight"], x["bias"], c.ParamInt("patch")),
        "grid_sample_bicubic" => Ops.GridSampleBicubic(x["input"], x["grid"]),
        "interpolate_bicubic" => c.HasParam("size")
            ? Ops.InterpolateBicubic(x["input"], c.ParamInts("size")[0], c.ParamInts("size")[1])
            : Ops.InterpolateBicubic(x["input"], c.ParamDoubles("scale_factor")[0], c.ParamDoubles("scale_factor")[1]),
        _ => throw new InvalidOperationException($"{c}: no engine mapping for op '{c.Op}'"),
    };

    private Tensor? Mask(GoldenCase c, Tensor q, Tensor k)
    {
        var rows = c.ParamBoolMatrix("mask");
        if (rows is null) return null;
        var blocked = new bool[q.Shape[2], k.Shape[2]];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++) blocked[i, j] = rows[i][j];
        return Ops.AttentionMask(Backend, blocked);
    }

    internal static void Compare(string what, GoldenTensor expected, float[] actual, Shape shape)
    {
        Assert.True(expected.Shape.SequenceEqual(shape.ToArray()), $"{what}: shape {shape}, expected [{string.Join(", ", expected.Shape)}]");
        Assert.Equal(expected.Data64.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected.Data64[i], a = actual[i];
            if (!(Math.Abs(a - e) <= Atol + Rtol * Math.Abs(e)))
                Assert.Fail($"{what}[{i}]: got {a:R}, expected {e:R} (|diff| {Math.Abs(a - e):E2})");
        }
    }
}

public sealed class CpuOpGoldenTests : OpGoldenTests
{
    private static readonly CpuBackend Cpu = new(threads: 2);
    protected override IBackend Backend => Cpu;
}

/// <summary>Optimiser primitives against torch.optim.AdamW, DINO's clip and the EMA update.</summary>
public sealed class OptimGoldenTests
{
    private readonly CpuBackend backend = new(threads: 2);

    public static TheoryData<string> AdamWCases => GoldenFile.Cases("optim", "adamw");
    public static TheoryData<string> EmaCases => GoldenFile.Cases("optim", "ema");
    public static TheoryData<string> ClipCases => GoldenFile.Cases("optim", "clip_grad_norm");

    [Theory, MemberData(nameof(AdamWCases))]
    public void AdamWMatchesTorch(string name)
    {
        var c = GoldenFile.Case("optim", name);
        using var scope = TensorScope.Begin();
        var shape = (Shape)c.Inputs["p0"].Shape;
        var p = Tensor.FromArray(backend, c.Inputs["p0"].Data, shape);
        var m = Tensor.Zeros(backend, shape);
        var v = Tensor.Zeros(backend, shape);
        var betas = c.ParamDoubles("betas");
        for (int step = 1; step <= 3; step++)
        {
            var g = Tensor.FromArray(backend, c.Inputs[$"g{step}"].Data, shape);
            Optim.AdamW(p, g, m, v, new AdamWStep((float)c.ParamDouble("lr"), (float)betas[0], (float)betas[1],
                (float)c.ParamDouble("eps"), (float)c.ParamDouble("weight_decay"), step));
            OpGoldenTests.Compare($"{c}: p{step}", c.Outputs[$"p{step}"], p.ToArray(), p.Shape);
        }
        OpGoldenTests.Compare($"{c}: m3", c.Outputs["m3"], m.ToArray(), m.Shape);
        OpGoldenTests.Compare($"{c}: v3", c.Outputs["v3"], v.ToArray(), v.Shape);
    }

    [Theory, MemberData(nameof(EmaCases))]
    public void EmaMatchesTorch(string name)
    {
        var c = GoldenFile.Case("optim", name);
        using var scope = TensorScope.Begin();
        var t = Tensor.FromArray(backend, c.Inputs["t"].Data, c.Inputs["t"].Shape);
        var s = Tensor.FromArray(backend, c.Inputs["s"].Data, c.Inputs["s"].Shape);
        Optim.Ema(t, s, (float)c.ParamDouble("momentum"));
        OpGoldenTests.Compare($"{c}: out", c.Outputs["out"], t.ToArray(), t.Shape);
    }

    [Theory, MemberData(nameof(ClipCases))]
    public void ClipMatchesDino(string name)
    {
        var c = GoldenFile.Case("optim", name);
        using var scope = TensorScope.Begin();
        var g = Tensor.FromArray(backend, c.Inputs["g"].Data, c.Inputs["g"].Shape);
        var sq = Tensor.Full(backend, [1], float.NaN); // poisoned: SumOfSquares must write it
        Optim.SumOfSquares(g, sq, 0);
        Optim.ClipByNorm(g, sq, 0, (float)c.ParamDouble("max_norm"));
        OpGoldenTests.Compare($"{c}: out", c.Outputs["out"], g.ToArray(), g.Shape);
        Assert.Equal(c.Outputs["norm"].Data64[0], Math.Sqrt(sq.ToArray()[0]), 4);
    }
}
