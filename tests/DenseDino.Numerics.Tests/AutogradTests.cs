using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests;

/// <summary>Tape behaviour: every parameter is reached, accumulation, reuse, no-grad, detach, error messages.</summary>
public sealed class AutogradTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    private readonly List<Tensor> parameters = new();

    public void Dispose()
    {
        foreach (var p in parameters) { p.ZeroGrad(); p.Dispose(); }
        be.Dispose();
    }

    private Tensor Param(Random rng, string name, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var p = Tensor.Parameter(be, Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 2f - 1f).ToArray(), shape, name);
        parameters.Add(p);
        return p;
    }

    private Tensor Data(Random rng, params int[] shape) =>
        Tensor.FromArray(be, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.NextSingle() * 2f - 1f).ToArray(), shape);

    /// <summary>A tiny ViT-ish model: patch embed → LN → attention (+residual) → LN → MLP (GELU) → weight-normed head → soft CE.</summary>
    private sealed class TinyModel
    {
        public required Tensor PatchW, PatchB, Ln1G, Ln1B, Qkv, QkvB, Proj, ProjB, Ln2G, Ln2B, Fc1, Fc1B, Fc2, Fc2B, HeadG, HeadV;
        public IEnumerable<Tensor> All => [PatchW, PatchB, Ln1G, Ln1B, Qkv, QkvB, Proj, ProjB, Ln2G, Ln2B, Fc1, Fc1B, Fc2, Fc2B, HeadG, HeadV];
    }

    private TinyModel Model(Random rng) => new()
    {
        PatchW = Param(rng, "patch.w", 6, 2, 2, 2), PatchB = Param(rng, "patch.b", 6),
        Ln1G = Param(rng, "ln1.g", 6), Ln1B = Param(rng, "ln1.b", 6),
        Qkv = Param(rng, "qkv.w", 18, 6), QkvB = Param(rng, "qkv.b", 18),
        Proj = Param(rng, "proj.w", 6, 6), ProjB = Param(rng, "proj.b", 6),
        Ln2G = Param(rng, "ln2.g", 6), Ln2B = Param(rng, "ln2.b", 6),
        Fc1 = Param(rng, "fc1.w", 11, 6), Fc1B = Param(rng, "fc1.b", 11),
        Fc2 = Param(rng, "fc2.w", 5, 11), Fc2B = Param(rng, "fc2.b", 5),
        HeadG = Param(rng, "head.g", 7), HeadV = Param(rng, "head.v", 7, 5),
    };

    private static Tensor Loss(TinyModel m, Tensor image, Tensor targets)
    {
        const int heads = 2, dh = 3;
        var x = Ops.PatchEmbed(image, m.PatchW, m.PatchB, 2);               // [2, 4, 6]
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var h = Ops.LayerNorm(x, m.Ln1G, m.Ln1B);
        var qkv = Ops.Permute(Ops.Reshape(Ops.Linear(h, m.Qkv, m.QkvB), b, l, 3, heads, dh), 2, 0, 3, 1, 4);
        var q = Ops.Reshape(Ops.Slice(qkv, 0, 0, 1), b, heads, l, dh);
        var k = Ops.Reshape(Ops.Slice(qkv, 0, 1, 1), b, heads, l, dh);
        var v = Ops.Reshape(Ops.Slice(qkv, 0, 2, 1), b, heads, l, dh);
        var att = Ops.Reshape(Ops.Transpose(Ops.Attention(q, k, v, null, 0.5f), 1, 2), b, l, d);
        x = Ops.Add(x, Ops.Linear(att, m.Proj, m.ProjB));
        var mlp = Ops.Linear(Ops.Gelu(Ops.Linear(Ops.LayerNorm(x, m.Ln2G, m.Ln2B), m.Fc1, m.Fc1B)), m.Fc2, m.Fc2B); // [2, 4, 5]
        var feat = Ops.Mean(Ops.Add(x, Ops.Concat(-1, mlp, Ops.Slice(mlp, -1, 0, 1))), 1); // [2, 6]
        var logits = Ops.Linear(Ops.L2Normalize(Ops.Slice(feat, 1, 0, 5)), Ops.WeightNorm(m.HeadG, m.HeadV)); // [2, 7]
        return Ops.Mean(Ops.SoftCrossEntropy(targets, Ops.Mul(logits, 10f)));
    }

    private static Tensor Targets(IBackend be, Random rng)
    {
        var t = Enumerable.Range(0, 14).Select(_ => rng.NextSingle() + 0.05f).ToArray();
        for (int r = 0; r < 2; r++)
        {
            float s = t.Skip(r * 7).Take(7).Sum();
            for (int j = 0; j < 7; j++) t[r * 7 + j] /= s;
        }
        return Tensor.FromArray(be, t, [2, 7]);
    }

    [Fact]
    public void EveryParameterOfACompositeGraphGetsAGradient()
    {
        var rng = new Random(1);
        var model = Model(rng);
        using var scope = TensorScope.Begin();
        var loss = Loss(model, Data(rng, 2, 2, 4, 4), Targets(be, rng));
        Assert.Equal(new Shape(), loss.Shape);
        Assert.True(float.IsFinite(loss.Item()));
        loss.Backward();
        foreach (var p in model.All)
        {
            Assert.True(p.Grad is not null, $"{p.Name} received no gradient");
            Assert.Equal(p.Shape, p.Grad!.Shape);
            var g = p.Grad.ToArray();
            Assert.True(g.All(float.IsFinite), $"{p.Name} has a non-finite gradient");
            Assert.True(g.Any(v => v != 0f), $"{p.Name} has an all-zero gradient");
        }
    }

    [Fact]
    public void TwoBackwardCallsAccumulateTwiceTheGradient()
    {
        var rng = new Random(2);
        var model = Model(rng);
        using var scope = TensorScope.Begin();
        var image = Data(rng, 2, 2, 4, 4);
        var targets = Targets(be, rng);
        Loss(model, image, targets).Backward();
        var once = model.All.Select(p => p.Grad!.ToArray()).ToList();
        // Same graph again, then a freshly built graph: 3× in total.
        var loss = Loss(model, image, targets);
        loss.Backward();
        var twice = model.All.Select(p => p.Grad!.ToArray()).ToList();
        loss.Backward();
        var thrice = model.All.Select(p => p.Grad!.ToArray()).ToList();
        for (int i = 0; i < once.Count; i++)
            for (int j = 0; j < once[i].Length; j++)
            {
                Assert.Equal(2 * once[i][j], twice[i][j], 1e-5f + 1e-5f * Math.Abs(once[i][j]));
                Assert.Equal(3 * once[i][j], thrice[i][j], 1e-5f + 1e-5f * Math.Abs(once[i][j]));
            }
        foreach (var p in model.All) p.ZeroGrad();
        Assert.All(model.All, p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ATensorUsedTwiceAccumulatesBothContributions()
    {
        float[] x = [1.5f, -2f, 0.25f, 3f];
        var p = Tensor.Parameter(be, x, [4], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        Ops.Sum(Ops.Mul(p, p)).Backward();
        Assert.Equal(x.Select(v => 2 * v), p.Grad!.ToArray());
        p.ZeroGrad();
        // x + x·3 + x·x through different paths: 1 + 3 + 2x.
        Ops.Sum(Ops.Add(Ops.Add(p, Ops.Mul(p, 3f)), Ops.Mul(p, p))).Backward();
        Assert.Equal(x.Select(v => 4 + 2 * v), p.Grad!.ToArray());
    }

    /// <summary>
    /// Slices of one tensor (q, k, v of a qkv projection; overlapping windows) add their gradients
    /// into the pending one in place; a pending gradient that aliases another (a view, or the same
    /// tensor handed to two inputs) must not be written through. Every case has a hand-derived answer.
    /// </summary>
    [Fact]
    public void SliceGradientsAccumulateInPlaceOnlyWhenNothingElseSeesThem()
    {
        float[] x = [1f, -2f, 0.5f, 3f, -1.5f, 2.5f];
        var p = Tensor.Parameter(be, x, [3, 2], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        // rows 0, 1, 2 scaled by 2, 3, 4, and rows 0..1 again (an overlapping window) by 5: dx = [7, 8, 4] per row.
        var loss = Ops.Add(Ops.Add(Ops.Sum(Ops.Mul(Ops.Slice(p, 0, 0, 1), 2f)), Ops.Sum(Ops.Mul(Ops.Slice(p, 0, 1, 1), 3f))),
            Ops.Add(Ops.Sum(Ops.Mul(Ops.Slice(p, 0, 2, 1), 4f)), Ops.Sum(Ops.Mul(Ops.Slice(p, 0, 0, 2), 5f))));
        loss.Backward();
        Assert.Equal([7f, 7f, 8f, 8f, 4f, 4f], p.Grad!.ToArray());
        p.ZeroGrad();

        // y = x + x hands one gradient tensor to both inputs of Add, then slices of a reshaped view of x
        // meet it: each path must still count once. d/dx of Σ(x + x) + Σ 3·row0 + Σ 5·row2 = 2 + [3, 0, 5].
        var r = Ops.Reshape(p, 3, 2);
        var loss2 = Ops.Add(Ops.Add(Ops.Sum(Ops.Add(r, r)), Ops.Sum(Ops.Mul(Ops.Slice(r, 0, 0, 1), 3f))),
            Ops.Sum(Ops.Mul(Ops.Slice(r, 0, 2, 1), 5f)));
        loss2.Backward();
        Assert.Equal([5f, 5f, 2f, 2f, 7f, 7f], p.Grad!.ToArray());
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var p = Tensor.Parameter(be, [1f, 2f, 3f], [3], "w");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        Tensor y;
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            y = Ops.Sum(Ops.Mul(Ops.Exp(p), p));
        }
        Assert.True(GradMode.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("does not require a gradient", e.Message);
        Assert.Null(p.Grad);
        // Recording resumes after the scope.
        Assert.True(Ops.Sum(Ops.Mul(p, 2f)).RequiresGrad);
    }

    [Fact]
    public void DetachStopsGradients()
    {
        float[] x = [0.5f, -1f, 2f];
        var p = Tensor.Parameter(be, x, [3], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        var d = Ops.Detach(p);
        Assert.False(d.RequiresGrad);
        Assert.Equal(x, d.ToArray());
        // d(x · stop(x))/dx = stop(x) = x, not 2x.
        Ops.Sum(Ops.Mul(p, d)).Backward();
        Assert.Equal(x, p.Grad!.ToArray());
        // A graph that only goes through the detached copy has nothing to differentiate.
        Assert.Throws<InvalidOperationException>(() => Ops.Sum(Ops.Exp(Ops.Detach(Ops.Mul(p, 2f)))).Backward());
    }

    /// <summary>
    /// Leaves adopt the gradient tensor backward made for them instead of copying it, unless another
    /// input also holds it: here Add hands one gradient to both leaves, and the two must not alias.
    /// </summary>
    [Fact]
    public void LeavesSharingOneGradientTensorGetSeparateGradients()
    {
        var rng = new Random(8);
        var a = Param(rng, "a", 5);
        var b = Param(rng, "b", 5);
        var w = Data(rng, 5);
        using (TensorScope.Begin())
            Ops.Sum(Ops.Mul(Ops.Add(a, b), w)).Backward();
        // The step's scope has ended: adopted gradients must have left it.
        float[] expected = w.ToArray();
        Assert.Equal(expected, a.Grad!.ToArray());
        Assert.Equal(expected, b.Grad!.ToArray());
        a.ZeroGrad();
        Assert.Equal(expected, b.Grad!.ToArray());
        using (TensorScope.Begin())
            Ops.Sum(Ops.Mul(b, 2f)).Backward();   // accumulates into b's adopted gradient
        Assert.Equal(expected.Select(x => x + 2f), b.Grad!.ToArray());
        Assert.NotSame(a, b);
    }

    [Fact]
    public void OnlyInputsThatNeedItGetGradients()
    {
        var rng = new Random(3);
        var w = Param(rng, "w", 3, 4);
        var frozen = Tensor.Parameter(be, [1f, 2f, 3f], [3], "frozen");
        frozen.RequiresGrad = false;
        parameters.Add(frozen);
        using var scope = TensorScope.Begin();
        var x = Data(rng, 2, 4);
        Ops.Sum(Ops.Linear(x, w, frozen)).Backward();
        Assert.NotNull(w.Grad);
        Assert.Null(frozen.Grad);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NonScalarRootWithoutGradientThrowsNamingTheShape()
    {
        var p = Tensor.Parameter(be, new float[12], [3, 4], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        var y = Ops.Exp(p);
        var e = Assert.Throws<ArgumentException>(() => y.Backward());
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("Backward", e.Message);
        // A gradient of the wrong shape names both shapes.
        var e2 = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Zeros(be, [4, 3])));
        Assert.Contains("[4, 3]", e2.Message);
        Assert.Contains("[3, 4]", e2.Message);
        // A one-element non-scalar root is fine.
        Ops.Sum(y, 1, keepDim: true).Backward(Tensor.Full(be, [3, 1], 1f));
        Ops.Reshape(Ops.Sum(p), 1, 1).Backward();
        Assert.NotNull(p.Grad);
    }

    [Fact]
    public void ExplicitGradientWeightsTheRoot()
    {
        float[] x = [1f, 2f, 3f];
        var p = Tensor.Parameter(be, x, [3], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        Ops.Mul(p, p).Backward(Tensor.FromArray(be, [1f, -1f, 0.5f], [3]));
        Assert.Equal([2f, -4f, 3f], p.Grad!.ToArray());
    }

    [Fact]
    public void RequiresGradCannotBeSwitchedOffOnANonLeaf()
    {
        var p = Tensor.Parameter(be, [1f], [1], "x");
        parameters.Add(p);
        using var scope = TensorScope.Begin();
        var y = Ops.Exp(p);
        Assert.False(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    /// <summary>
    /// Parameters gathered into one arena keep their values, get 256-byte-aligned offsets, and backward puts the
    /// same gradients into their slots as it hands separate tensors (accumulating over two backward calls, a weight
    /// used by two Linears added in place twice); ZeroGradients clears every slot with one fill.
    /// </summary>
    [Fact]
    public void ArenaSlotsReceiveTheGradientsSeparateTensorsDo()
    {
        var separate = Model(new Random(9));
        var gathered = Model(new Random(9));
        var shared = Param(new Random(10), "shared.w", 5, 6);
        var sharedToo = Param(new Random(10), "shared.w", 5, 6);
        var before = gathered.All.Select(p => p.ToArray()).ToList();
        using var arena = ParameterArena.Gather([.. gathered.All, sharedToo]);
        Assert.All(gathered.All, p => Assert.Equal(0, arena.OffsetOf(p) % ParameterArena.Alignment));
        Assert.Equal(before, gathered.All.Select(p => p.ToArray()).ToList());
        Assert.All(gathered.All, p => Assert.Same(arena, p.Arena));

        var rng = new Random(11);
        var image = Data(rng, 2, 2, 4, 4);
        var targets = Targets(be, rng);
        var x1 = Data(rng, 3, 6);
        var x2 = Data(rng, 4, 6);
        using var scope = TensorScope.Begin();
        Tensor Total(TinyModel m, Tensor w) =>
            Ops.Add(Loss(m, image, targets), Ops.Add(Ops.Mean(Ops.Linear(x1, w)), Ops.Sum(Ops.Mul(Ops.Linear(x2, w), Ops.Linear(x2, w)))));
        for (int call = 0; call < 2; call++)
        {
            Total(separate, shared).Backward();
            Total(gathered, sharedToo).Backward();
        }
        var slots = arena.Gradients!.ToArray();
        foreach (var (a, b) in separate.All.Append(shared).Zip(gathered.All.Append(sharedToo)))
        {
            var expected = a.Grad!.ToArray();
            var actual = b.Grad!.ToArray();
            Assert.True(expected.Any(v => v != 0f), $"{a.Name}: an all-zero gradient proves nothing");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"{b.Name}[{i}]: arena {actual[i]}, separate {expected[i]}");
                Assert.Equal(actual[i], slots[arena.OffsetOf(b) + i]);   // the gradient is the slot itself
            }
        }
        arena.ZeroGradients();
        Assert.All(gathered.All, p => Assert.Null(p.Grad));
        Assert.All(arena.Gradients!.ToArray(), v => Assert.Equal(0f, v));
        // The next backward starts from zero again.
        Total(gathered, sharedToo).Backward();
        Total(separate, shared).Backward();
        Assert.Equal(shared.Grad!.ToArray().Select(v => v / 3f), sharedToo.Grad!.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(a)));
    }

    [Fact]
    public void GatherRejectsViewsGradientsComputedTensorsAndRepeats()
    {
        var rng = new Random(12);
        var a = Param(rng, "a", 3);
        var b = Param(rng, "b", 2, 2);
        using var scope = TensorScope.Begin();
        Ops.Sum(Ops.Mul(a, a)).Backward();
        Assert.Contains("a holds a gradient; call ZeroGrad", Assert.Throws<ArgumentException>(() => ParameterArena.Gather([a, b])).Message);
        a.ZeroGrad();
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => ParameterArena.Gather([a, b, a])).Message);
        var view = Ops.Reshape(b, 4);
        Assert.Contains("b shares its buffer", Assert.Throws<ArgumentException>(() => ParameterArena.Gather([a, b])).Message);
        view.Dispose();
        Assert.Contains("not a leaf", Assert.Throws<ArgumentException>(() => ParameterArena.Gather([a, Ops.Mul(b, 2f)])).Message);
        using var arena = ParameterArena.Gather([a, b]);
        Assert.Contains("already in an arena", Assert.Throws<ArgumentException>(() => ParameterArena.Gather([b])).Message);
    }

    [Fact]
    public void ArenaAndMembersReturnEveryBufferWhenDisposed()
    {
        long inUse = be.Pool.FloatsInUse;   // this test's own backend (Tensor.LiveCount is shared with tests running alongside)
        var rng = new Random(13);
        var w = Tensor.Parameter(be, Enumerable.Range(0, 12).Select(_ => rng.NextSingle()).ToArray(), [3, 4], "w");
        var bias = Tensor.Parameter(be, [0.5f, -0.25f, 2f], [3], "bias");
        var arena = ParameterArena.Gather([w, bias]);
        using (TensorScope.Begin())
            Ops.Sum(Ops.Linear(Tensor.FromArray(be, [1f, 2f, 3f, 4f, -1f, 0.5f, 2f, 1f], [2, 4]), w, bias)).Backward();
        Assert.NotNull(w.Grad);
        arena.Dispose();
        w.Dispose();
        bias.Dispose();
        Assert.Equal(inUse, be.Pool.FloatsInUse);
    }
}
