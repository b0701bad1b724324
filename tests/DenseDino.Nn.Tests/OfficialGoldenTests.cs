using DenseDino.Numerics.Memory;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Nn.Tests;

/// <summary>
/// The C# model against the official DenseDINO modules (tests/fixtures/model, written by
/// make_model_fixtures.py). Tests that use reference tokens need GridSampleBicubic, and the
/// non-square test needs InterpolateBicubic, in the CPU backend.
/// </summary>
public class OfficialGoldenTests
{
    private static readonly ModelGolden G = ModelGolden.Load();

    private static DenseDinoModel NewModel(int seed = 1)
    {
        var head = new HeadConfig(G.Int("out_dim"), G.Int("hidden"), G.Int("bottleneck"));
        var model = new DenseDinoModel(TestBackend.Cpu, G.VitConfig(), head, seed);
        model.LoadState(G.Params());
        return model;
    }

    private static Tensor Input(string name, params int[] shape) => Tensor.FromArray(TestBackend.Cpu, G.Data(name), shape);

    private static DenseDinoLoss NewLoss() => new(TestBackend.Cpu, new DenseDinoLossOptions
    {
        OutDim = G.Int("out_dim"), Views = G.Int("views"), WarmupTeacherTemp = 0.04f, TeacherTemp = 0.04f,
        Epochs = 1, Alpha = 0.5f, ClsAllViews = false, RefAllViews = true,
    });

    [Fact]
    public void ParameterNamesOrderAndShapesMatchTheOfficialStateDict()
    {
        using var model = NewModel();
        var ours = model.NamedParameters().ToList();
        Assert.Equal(G.ParamOrder, ours.Select(p => p.Name).ToArray());
        foreach (var (name, p) in ours)
            Assert.True(G.Shape("param." + name).SequenceEqual(p.Shape.ToArray()), $"{name}: ours {p.Shape}, official [{string.Join(", ", G.Shape("param." + name))}]");
        Assert.All(ours.Where(p => p.Name.EndsWith("weight_g", StringComparison.Ordinal)), p => Assert.False(p.Value.RequiresGrad));
        Assert.Equal(G.ParamOrder.Length - 2, model.TrainableParameters().Count());
    }

    [Fact]
    public void LoadStateAndStateRoundTrip()
    {
        using var model = NewModel();
        var state = model.State();
        foreach (var (name, data) in G.Params()) Assert.Equal(data, state[name]);
        var bad = new Dictionary<string, float[]>(G.Params());
        bad["backbone.norm.weight"] = new float[3];
        var ex = Assert.Throws<ArgumentException>(() => model.LoadState(bad));
        Assert.Contains("backbone.norm.weight", ex.Message);
    }

    [Fact]
    public void ClsWithoutReferenceTokensMatchesOfficial()
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        int v = G.Int("views"), b = G.Int("batch"), img = G.Int("img");
        var images = Input("input.images", v * b, 3, img, img);
        var output = model.Backbone.Forward(images, null);
        Assert.Null(output.Refs);
        Compare.Close("noref.cls", G.Data64("noref.cls"), output.Cls.ToArray());
    }

    [Fact]
    public void HeadsMatchOfficial()
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), d = G.Int("dim");
        var cls = model.Head.Forward(Input("out.student_cls_token", v * b, d));
        var refs = model.RefHead.Forward(Input("out.student_ref_tokens", v * b, 2 * m, d));
        Compare.Close("head", G.Data64("out.student_cls"), cls.ToArray());
        Compare.Close("ref_head", G.Data64("out.student_ref"), refs.ToArray());
    }

    [Fact]
    public void LossAndCentersMatchOfficialFromHeadOutputs()
    {
        using var scope = TensorScope.Begin();
        using var loss = NewLoss();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), k = G.Int("out_dim");
        var sCls = Input("out.student_cls", v * b, k);
        sCls.RequiresGrad = true;
        var result = loss.Forward(sCls, Input("out.student_ref", v * b, 2 * m, k),
            Input("out.teacher_cls", 2 * b, k), Input("out.teacher_ref", 2 * b, v * m, k), epoch: 0);
        Compare.Close("loss.total", G.Data64("loss.total"), result.Total.ToArray());
        Compare.Close("loss.cls", G.Data64("loss.cls"), result.Cls.ToArray());
        Compare.Close("loss.ref", G.Data64("loss.ref"), result.Ref.ToArray());
        Compare.Close("center", G.Data64("center"), loss.Center.ToArray());
        Compare.Close("ref_center", G.Data64("ref_center"), loss.RefCenter.ToArray());
        Assert.True(result.Total.RequiresGrad);
    }

    /// <summary>
    /// Training's path: REF tokens grouped by loss pair before the head (192 wide), the loss on views of
    /// the grouped logits. Same head logits as grouping the official logits, same loss and centers.
    /// </summary>
    [Fact]
    public void RefTokensGroupedByPairBeforeTheHeadGiveTheOfficialLoss()
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        using var loss = NewLoss();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), k = G.Int("out_dim"), d = G.Int("dim");
        var grouped = model.RefHead.Forward(DenseDinoLoss.StudentRefsByGlobal(Input("out.student_ref_tokens", v * b, 2 * m, d)));
        var official = DenseDinoLoss.StudentRefsByGlobal(Input("out.student_ref", v * b, 2 * m, k));
        Assert.Equal(new Shape(2, v * b, m, k), grouped.Shape);
        Compare.Close("ref_head by pair", official.ToArray().Select(x => (double)x).ToArray(), grouped.ToArray());

        var result = loss.ForwardByPairs(Input("out.student_cls", v * b, k), official,
            Input("out.teacher_cls", 2 * b, k), DenseDinoLoss.TeacherRefsByView(Input("out.teacher_ref", 2 * b, v * m, k), v), epoch: 0);
        Compare.Close("loss.total", G.Data64("loss.total"), result.Total.ToArray());
        Compare.Close("loss.ref", G.Data64("loss.ref"), result.Ref.ToArray());
        Compare.Close("ref_center", G.Data64("ref_center"), loss.RefCenter.ToArray());
    }

    /// <summary>
    /// The loss keeps the teacher's probabilities, not its logits: the caller frees the logits before backward
    /// (training's memory peak) and gets the same gradients.
    /// </summary>
    [Fact]
    public void TeacherLogitsCanBeFreedBeforeBackward()
    {
        const int v = 4, b = 2, m = 3, k = 37;
        using var be = new DenseDino.Backends.Cpu.CpuBackend(1);
        var rng = new Random(4);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 4 - 2).ToArray();
        var (sCls, sRef, tCls, tRef) = (Random(v * b * k), Random(2 * v * b * m * k), Random(2 * b * k), Random(v * 2 * b * m * k));
        float[] StudentRefGradient(bool freeTeacher)
        {
            using var scope = TensorScope.Begin();
            using var loss = new DenseDinoLoss(be, new DenseDinoLossOptions { OutDim = k, Views = v });
            var studentCls = Tensor.FromArray(be, sCls, [v * b, k]);
            var studentRefs = Tensor.FromArray(be, sRef, [2, v * b, m, k]);
            studentCls.RequiresGrad = studentRefs.RequiresGrad = true;
            var teacherCls = Tensor.FromArray(be, tCls, [2 * b, k]);
            var teacherRefs = Tensor.FromArray(be, tRef, [v, 2 * b, m, k]);
            var result = loss.ForwardByPairs(studentCls, studentRefs, teacherCls, teacherRefs, epoch: 0);
            if (freeTeacher)
            {
                long before = be.Pool.FloatsInUse;
                teacherCls.Dispose();
                teacherRefs.Dispose();
                // Nothing the loss made holds them: both buffers go back to the pool.
                Assert.Equal(before - BufferPool.Capacity(2 * b * k) - BufferPool.Capacity(v * 2 * b * m * k), be.Pool.FloatsInUse);
            }
            result.Total.Backward();
            return studentRefs.Grad!.ToArray();
        }
        Assert.Equal(StudentRefGradient(freeTeacher: false), StudentRefGradient(freeTeacher: true));
    }

    [Fact]
    public void ForwardByPairsNamesTheLayoutItWants()
    {
        using var scope = TensorScope.Begin();
        using var loss = NewLoss();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), k = G.Int("out_dim");
        var ex = Assert.Throws<ArgumentException>(() => loss.ForwardByPairs(Input("out.student_cls", v * b, k), Input("out.student_ref", v * b, 2 * m, k),
            Input("out.teacher_cls", 2 * b, k), Input("out.teacher_ref", 2 * b, v * m, k), epoch: 0));
        Assert.Contains("[2, V·B=", ex.Message);
    }

    /// <summary>Needs GridSampleBicubic (CPU kernel pending merge).</summary>
    [Theory]
    [InlineData("020", MaskMode.None)]
    [InlineData("all2pos", MaskMode.All2Pos)]
    [InlineData("all2pos_pos2cls", MaskMode.All2PosPos2Cls)]
    [InlineData("all2pos_pos2cls_eye", MaskMode.All2PosPos2ClsEye)]
    [InlineData("all_query", MaskMode.AllQuery)]
    public void BackboneMatchesOfficialForEveryMaskMode(string official, MaskMode mode)
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), img = G.Int("img");
        var output = model.Backbone.Forward(Input("input.images", v * b, 3, img, img), Input("input.pos_student", v * b, 2, m, 2), mode);
        Compare.Close($"{official}.cls", G.Data64($"mode.{official}.cls"), output.Cls.ToArray());
        Compare.Close($"{official}.ref", G.Data64($"mode.{official}.ref"), output.Refs!.ToArray());
    }

    /// <summary>Needs GridSampleBicubic (CPU kernel pending merge).</summary>
    [Fact]
    public void DefaultModeFastPathEqualsFullMaskAndIgnoresRefsForClsAndPatches()
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), img = G.Int("img");
        var images = Input("input.images", v * b, 3, img, img);
        var points = Input("input.pos_student", v * b, 2, m, 2);
        var fast = model.Backbone.Forward(images, points);
        var plain = model.Backbone.Forward(images, null);
        Assert.Equal(plain.Cls.ToArray(), fast.Cls.ToArray());
        Assert.Equal(plain.Patches.ToArray(), fast.Patches.ToArray());
        model.Backbone.UseFullMask = true;
        var full = model.Backbone.Forward(images, points);
        Compare.Close("cls", Array.ConvertAll(full.Cls.ToArray(), x => (double)x), fast.Cls.ToArray(), 1e-5);
        Compare.Close("refs", Array.ConvertAll(full.Refs!.ToArray(), x => (double)x), fast.Refs!.ToArray(), 1e-5);
        Compare.Close("patches", Array.ConvertAll(full.Patches.ToArray(), x => (double)x), fast.Patches.ToArray(), 1e-5);
    }

    /// <summary>Needs InterpolateBicubic (CPU kernel pending merge).</summary>
    [Fact]
    public void NonSquareImageInterpolatesPositionsAsOfficial()
    {
        using var scope = TensorScope.Begin();
        using var model = NewModel();
        var output = model.Backbone.Forward(Input("interp.images", G.Shape("interp.images")), null);
        Compare.Close("interp.cls", G.Data64("interp.cls"), output.Cls.ToArray());
        Compare.Close("interp.patches", G.Data64("interp.patches"), output.Patches.ToArray());
    }

    /// <summary>One full step: teacher and student forwards, loss, backward, every gradient. Needs GridSampleBicubic (pending merge).</summary>
    [Fact]
    public void FullStepMatchesOfficialIncludingEveryGradient()
    {
        using var scope = TensorScope.Begin();
        using var student = NewModel();
        using var teacher = NewModel();
        using var loss = NewLoss();
        int v = G.Int("views"), b = G.Int("batch"), m = G.Int("m_ref"), img = G.Int("img");
        var images = Input("input.images", v * b, 3, img, img);                                 // [V·B, 3, H, W]
        DenseDinoOutput t;
        using (GradMode.NoGrad())
            t = teacher.Forward(Ops.Slice(images, 0, 0, 2 * b), Input("input.pos_teacher", 2 * b, v, m, 2));
        var s = student.Forward(images, Input("input.pos_student", v * b, 2, m, 2));

        Compare.Close("student_cls_token", G.Data64("out.student_cls_token"), s.Backbone.Cls.ToArray());
        Compare.Close("student_ref_tokens", G.Data64("out.student_ref_tokens"), s.Backbone.Refs!.ToArray());
        Compare.Close("student_cls", G.Data64("out.student_cls"), s.Cls.ToArray());
        Compare.Close("student_ref", G.Data64("out.student_ref"), s.Refs!.ToArray());
        Compare.Close("teacher_cls", G.Data64("out.teacher_cls"), t.Cls.ToArray());
        Compare.Close("teacher_ref", G.Data64("out.teacher_ref"), t.Refs!.ToArray());

        var result = loss.Forward(s.Cls, s.Refs!, t.Cls, t.Refs!, epoch: 0);
        Compare.Close("loss.total", G.Data64("loss.total"), result.Total.ToArray());
        Compare.Close("loss.cls", G.Data64("loss.cls"), result.Cls.ToArray());
        Compare.Close("loss.ref", G.Data64("loss.ref"), result.Ref.ToArray());
        result.Total.Backward();

        int checkedGrads = 0;
        foreach (var (name, p) in student.TrainableParameters())
        {
            Assert.True(p.Grad is not null, $"{name} received no gradient");
            Compare.Close("grad." + name, G.Data64("grad." + name), p.Grad!.ToArray(), 1e-4, 1e-7);
            checkedGrads++;
        }
        Assert.Equal(G.Names.Count(n => n.StartsWith("grad.", StringComparison.Ordinal)), checkedGrads);
        Assert.All(teacher.NamedParameters(), p => Assert.Null(p.Value.Grad));
    }
}
