using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Nn.Tests;

public class OptimTests
{
    [Fact]
    public void CosineScheduleMatchesDinoCosineScheduler()
    {
        // warm-up linspace(0, 1, 2) = [0, 1], then 1 + 0.5·(1 − 0)·... over 2 iterations: [1, 0.5].
        Assert.Equal([0.0, 1.0, 1.0, 0.5], Schedules.Cosine(1, 0, epochs: 2, itersPerEpoch: 2, warmupEpochs: 1));
        var lr = Schedules.Cosine(5e-4, 1e-6, 100, 10, 10);
        Assert.Equal(1000, lr.Length);
        Assert.Equal(0, lr[0]);
        Assert.Equal(5e-4, lr[100], 12);
        Assert.True(lr[999] > 1e-6 && lr[999] < 1.1e-6);
        Assert.Throws<ArgumentException>(() => Schedules.Cosine(1, 0, 2, 2, 3));
    }

    [Fact]
    public void TeacherTemperatureWarmsUpLinearly()
    {
        var t = Schedules.TeacherTemperature(0.04, 0.07, warmupEpochs: 3, epochs: 5);
        Assert.Equal(5, t.Length);
        Assert.Equal(0.04, t[0], 12);
        Assert.Equal(0.055, t[1], 12);
        Assert.Equal([0.07, 0.07, 0.07], t[2..]);
        Assert.Equal([0.04, 0.04], Schedules.TeacherTemperature(0.04, 0.04, 0, 2));
    }

    [Fact]
    public void AdamWSkipsDecayForBiasesAnd1DParamsAndClipsPerParameter()
    {
        using var scope = TensorScope.Begin();
        var backend = TestBackend.Cpu;
        using var w = Tensor.Parameter(backend, [1f, 2f], [1, 2], "w");
        using var bias = Tensor.Parameter(backend, [1f, 2f], [2], "layer.bias");
        using var gamma = Tensor.Parameter(backend, [1f, 2f], [2], "norm.weight");
        var grad = Tensor.FromArray(backend, [0.5f, -1f], [2]);
        Ops.Sum(Ops.Add(Ops.Add(Ops.Mul(Ops.Reshape(w, 2), grad), Ops.Mul(bias, grad)), Ops.Mul(Ops.Mul(gamma, grad), 10f))).Backward();
        using var opt = new AdamWOptimizer([("w", w), ("layer.bias", bias), ("norm.weight", gamma)]);
        Assert.Equal(["w"], opt.Regularized);
        Assert.Equal(["layer.bias", "norm.weight"], opt.NotRegularized);

        var norms = opt.ClipGradients(3f);
        Assert.Equal(Math.Sqrt(1.25), norms[0], 5);
        Assert.Equal(Math.Sqrt(125), norms[2], 4);
        var clipped = gamma.Grad!.ToArray();
        Assert.Equal(3 * 5 / (Math.Sqrt(125) + 1e-6), clipped[0], 4);   // 10·0.5 scaled to norm 3

        // Step 1 of AdamW: p ← p·(1 − lr·wd) − lr·g/(|g| + eps) = p·(1 − lr·wd) − lr·sign(g).
        opt.Step(learningRate: 0.1f, weightDecay: 0.5f);
        Assert.Equal([0.95f - 0.1f, 1.9f + 0.1f], w.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal([1f - 0.1f, 2f + 0.1f], bias.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(1, opt.StepCount);
    }

    [Fact]
    public void LastLayerGradientsCanBeCancelled()
    {
        using var scope = TensorScope.Begin();
        using var head = new DinoHead(TestBackend.Cpu, 4, 6, new Random(2), hiddenDim: 5, bottleneckDim: 3);
        Ops.Sum(head.Forward(TestBackend.Random(new Random(1), [2, 4]))).Backward();
        using var opt = new AdamWOptimizer(head.NamedParameters("head."));
        Assert.NotNull(head.LastLayer.WeightV.Grad);
        Assert.Null(head.LastLayer.WeightG.Grad);   // frozen: weight_g = 1 is not trained
        opt.CancelLastLayerGradients();
        Assert.Null(head.LastLayer.WeightV.Grad);
        Assert.NotNull(head.Layers[0].Weight.Grad);
    }

    /// <summary>
    /// The fused update (clip + AdamW + teacher EMA in one pass) against the separate calls, bit for bit, over
    /// two steps, with one parameter clipped, one not, and one without a gradient (stepped by neither, EMA'd by the caller).
    /// </summary>
    [Fact]
    public void FusedStepEqualsClipThenStepThenEma()
    {
        using var scope = TensorScope.Begin();
        var backend = TestBackend.Cpu;
        var rng = new Random(4);
        (string Name, float[] Init, int[] Shape)[] specs =
            [("a.weight", Values(rng, 37, 3f), [37]), ("b.bias", Values(rng, 9, 0.1f), [9]), ("c.weight", Values(rng, 12, 1f), [3, 4])];
        float[][] grads = [Values(rng, 37, 4f), Values(rng, 9, 0.01f), Values(rng, 12, 1f)];
        float[][] teacherInit = specs.Select(sp => Values(rng, sp.Init.Length, 1f)).ToArray();

        float[][] Run(bool fused)
        {
            var ps = specs.Select(sp => Tensor.Parameter(backend, sp.Init, sp.Shape, sp.Name)).ToArray();
            var ts = specs.Select((sp, i) => Tensor.FromArray(backend, teacherInit[i], sp.Shape)).ToArray();
            using var opt = new AdamWOptimizer(specs.Select((sp, i) => (sp.Name, ps[i])));
            for (int step = 0; step < 2; step++)
            {
                foreach (var p in ps) p.ZeroGrad();
                // c gets no gradient: the optimizer skips it and the caller EMAs it.
                Ops.Sum(Ops.Add(Ops.Sum(Ops.Mul(ps[0], Tensor.FromArray(backend, grads[0], [37]))), Ops.Sum(Ops.Mul(ps[1], Tensor.FromArray(backend, grads[1], [9]))))).Backward();
                if (fused)
                {
                    var done = opt.Step(0.01f, 0.04f, 3f, specs.Select((sp, i) => (sp.Name, ts[i])).ToDictionary(x => x.Name, x => x.Item2), 0.9f);
                    Assert.Equal(["a.weight", "b.bias"], done.Order());
                    Optim.Ema(ts[2], ps[2], 0.9f);
                }
                else
                {
                    opt.ClipGradients(3f);
                    opt.Step(0.01f, 0.04f);
                    for (int i = 0; i < ps.Length; i++) Optim.Ema(ts[i], ps[i], 0.9f);
                }
            }
            return ps.Concat(ts).Concat(opt.Moments.SelectMany(x => new[] { x.M, x.V })).Select(t => t.ToArray()).ToArray();
        }

        var separate = Run(fused: false);
        var together = Run(fused: true);
        for (int i = 0; i < separate.Length; i++) Assert.Equal(separate[i], together[i]);
        Assert.True(Math.Sqrt(grads[0].Sum(g => (double)g * g)) > 3, "a's gradient must be clipped for the test to mean anything");
        Assert.True(Math.Sqrt(grads[1].Sum(g => (double)g * g)) < 3, "b's must not");
    }

    private static float[] Values(Random rng, int n, float scale) => Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2 - 1) * scale).ToArray();
}
