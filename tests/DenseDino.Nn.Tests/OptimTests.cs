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
}
