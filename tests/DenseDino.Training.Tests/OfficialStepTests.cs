using DenseDino.Nn;
using DenseDino.Numerics;

namespace DenseDino.Training.Tests;

/// <summary>
/// One full training step against the OFFICIAL main_dino.py code path (fixtures written by
/// tests/fixtures/make_model_fixtures.py): clip, last-layer freeze, AdamW over DINO's param
/// groups, EMA teacher, both centers, and a second step's loss.
/// </summary>
public class OfficialStepTests
{
    /// <param name="flat">parameters gathered into one buffer per model (the trainer's way: one update launch), else a tensor each</param>
    [Theory, InlineData(true), InlineData(false)]
    public void StepMatchesOfficialParametersTeacherCentersAndSecondLoss(bool flat)
    {
        var g = new Golden("step");
        var e = new Golden("train_step");
        int v = g.Int("views"), b = g.Int("batch"), m = g.Int("m_ref"), img = g.Int("img"), k = g.Int("out_dim");
        var vit = new VitConfig(img, g.Int("patch"), g.Int("dim"), g.Int("depth"), g.Int("heads"));
        var head = new HeadConfig(k, g.Int("hidden"), g.Int("bottleneck"));
        var cpu = TestRuns.Cpu;
        using var student = new DenseDinoModel(cpu, vit, head, 1);
        using var teacher = new DenseDinoModel(cpu, vit, head, 1);
        student.LoadState(g.WithPrefix("param."));
        teacher.LoadState(g.WithPrefix("param."));
        foreach (var (_, p) in teacher.NamedParameters()) p.RequiresGrad = false;
        if (flat)
        {
            student.FlattenParameters();
            teacher.FlattenParameters();
        }
        using var loss = new DenseDinoLoss(cpu, new DenseDinoLossOptions
        {
            OutDim = k, Views = v, WarmupTeacherTemp = 0.04f, TeacherTemp = 0.04f, Epochs = 1, Alpha = 0.5f,
            ClsAllViews = false, RefAllViews = true,
        });
        using var optimizer = new AdamWOptimizer(student.TrainableParameters());
        Assert.Equal(flat, optimizer.IsFlat);

        using var scope = TensorScope.Begin();
        var images = Tensor.FromArray(cpu, g.Data("input.images"), [v * b, 3, img, img]);               // [V·B, 3, H, W]
        var studentPoints = Tensor.FromArray(cpu, g.Data("input.pos_student"), [v * b, 2, m, 2]);
        var teacherPoints = Tensor.FromArray(cpu, g.Data("input.pos_teacher"), [2 * b, v, m, 2]);
        int epoch = (int)e.Step("epoch");
        var settings = new StepSettings((float)e.Step("lr"), (float)e.Step("weight_decay"), (float)e.Step("momentum"), epoch,
            epoch < (int)e.Step("freeze_last_layer"), (float)e.Step("clip_grad"), null, MaskMode.All2PosPos2ClsEye);

        var first = TrainingStep.Run(student, teacher, loss, optimizer, images, studentPoints, teacherPoints, settings);
        Golden.Close("loss.total", g.Data64("loss.total"), [(float)first.Total]);

        int compared = 0;
        float lr = settings.LearningRate;
        foreach (var (name, p) in student.NamedParameters())
        {
            Updated("student." + name, e.Data64("step1.student." + name), p.ToArray(), Grad(g, name), lr);
            compared++;
        }
        foreach (var (name, p) in teacher.NamedParameters())
            Updated("teacher." + name, e.Data64("step1.teacher." + name), p.ToArray(), Grad(g, name), lr);
        Assert.Equal(e.Names.Count(n => n.StartsWith("step1.student.", StringComparison.Ordinal)), compared);
        Golden.Close("center", e.Data64("step1.center"), loss.Center.ToArray());
        Golden.Close("ref_center", e.Data64("step1.ref_center"), loss.RefCenter.ToArray());
        // The frozen last layer kept its weights (and its AdamW step count stayed at 0).
        Assert.Equal(g.Data("param.head.last_layer.weight_v"), student.Head.NamedParameters().First(p => p.Name == "last_layer.weight_v").Value.ToArray());
        Assert.All(optimizer.Moments.Where(x => x.Name.Contains("last_layer")), x => Assert.Equal(0, x.Steps));

        // Step 2's loss: forward only, through the updated student, teacher and centers.
        var o = student.Forward(images, studentPoints);
        DenseDinoOutput t;
        using (Numerics.Autograd.GradMode.NoGrad())
            t = teacher.Forward(Ops.Slice(images, 0, 0, 2 * b), teacherPoints);
        var second = loss.Forward(o.Cls, o.Refs!, t.Cls, t.Refs!, epoch);
        Golden.Close("step2.loss.total", e.Data64("step2.loss.total"), second.Total.ToArray());
        Golden.Close("step2.loss.cls", e.Data64("step2.loss.cls"), second.Cls.ToArray());
        Golden.Close("step2.loss.ref", e.Data64("step2.loss.ref"), second.Ref.ToArray());
        Golden.Close("step2.center", e.Data64("step2.center"), loss.Center.ToArray());
        Golden.Close("step2.ref_center", e.Data64("step2.ref_center"), loss.RefCenter.ToArray());
    }

    private static double[]? Grad(Golden g, string name) => g.Names.Contains("grad." + name) ? g.Data64("grad." + name) : null;

    /// <summary>
    /// Parameters after AdamW: 1e-4 relative, except where the official gradient is below 10·eps
    /// (1e-7; e.g. the key bias, whose gradient is zero up to rounding): there m/(√v + eps) turns float32 rounding of a near-zero gradient into up to one lr
    /// of difference, so those elements are only held to the AdamW bound |Δ| ≤ lr.
    /// </summary>
    private static void Updated(string label, double[] expected, float[] actual, double[]? grad, float lr)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), strict = 1e-4 * scale + 1e-6;
        for (int i = 0; i < expected.Length; i++)
        {
            bool illConditioned = grad is not null && Math.Abs(grad[i]) < 1e-7;
            double limit = illConditioned ? lr : strict, d = Math.Abs(actual[i] - expected[i]);
            Assert.True(d <= limit, $"{label}[{i}]: ours {actual[i]}, official {expected[i]}, |diff| {d:E3} > {limit:E3}");
        }
    }
}
