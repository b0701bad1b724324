using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Nn;

public sealed record DenseDinoLossOptions
{
    public int OutDim { get; init; } = 65536;
    /// <summary>V: views per image; views 0 and 1 are the globals the teacher sees.</summary>
    public int Views { get; init; } = 4;
    public float WarmupTeacherTemp { get; init; } = 0.04f;
    public float TeacherTemp { get; init; } = 0.04f;
    public int WarmupTeacherTempEpochs { get; init; }
    public int Epochs { get; init; } = 100;
    public float StudentTemp { get; init; } = 0.1f;
    public float CenterMomentum { get; init; } = 0.9f;
    /// <summary>Weight of the CLS loss; the REF loss gets 1 − Alpha.</summary>
    public float Alpha { get; init; } = 0.5f;
    /// <summary>CLS loss over every (global, view) pair; false = global pairs only (the README command).</summary>
    public bool ClsAllViews { get; init; }
    /// <summary>REF loss over every (global, view) pair (the README command); false = global pairs only.</summary>
    public bool RefAllViews { get; init; } = true;
}

/// <summary>Scalar losses of one step (tracked tensors; Total is the one to backpropagate).</summary>
public sealed record DenseDinoLossOutput(Tensor Total, Tensor Cls, Tensor Ref);

/// <summary>
/// The DenseDINO loss (official main_dino.py DINOLoss with use_global_loss and use_ref_loss):
/// teacher softmax((t − c)/τt), student log_softmax(s/τs), cross-entropy over the pairs
/// (iq ∈ {0, 1}, v ≠ iq), each sum divided by (terms + 1e-5), total = α·L_cls + (1 − α)·L_ref.
/// Two EMA centers (momentum 0.9) are updated after the loss, without gradients.
/// </summary>
public sealed class DenseDinoLoss : IDisposable
{
    public DenseDinoLoss(IBackend backend, DenseDinoLossOptions options)
    {
        if (options.Views < 2) throw new ArgumentException($"DenseDinoLoss: Views must be >= 2, got {options.Views}");
        if (options.Epochs < options.WarmupTeacherTempEpochs || options.WarmupTeacherTempEpochs < 0)
            throw new ArgumentException($"DenseDinoLoss: WarmupTeacherTempEpochs {options.WarmupTeacherTempEpochs} must be in [0, Epochs {options.Epochs}]");
        Backend = backend;
        Options = options;
        TeacherTempSchedule = Schedules.TeacherTemperature(options.WarmupTeacherTemp, options.TeacherTemp,
            options.WarmupTeacherTempEpochs, options.Epochs);
        using var _ = TensorScope.Untracked();
        Center = Tensor.Zeros(backend, [1, options.OutDim]);
        RefCenter = Tensor.Zeros(backend, [1, options.OutDim]);
    }

    public IBackend Backend { get; }
    public DenseDinoLossOptions Options { get; }
    /// <summary>τt per epoch: linspace(warmup, final, warmupEpochs) then final.</summary>
    public double[] TeacherTempSchedule { get; }
    /// <summary>CLS center [1, K] (untracked, updated in place).</summary>
    public Tensor Center { get; }
    /// <summary>REF center [1, K] (untracked, updated in place).</summary>
    public Tensor RefCenter { get; }

    /// <summary>
    /// studentCls [V·B, K], studentRef [V·B, 2M, K] (view v's tokens for teacher view 0 then 1),
    /// teacherCls [2B, K], teacherRef [2B, V·M, K] (global view iq's tokens for each view v).
    /// Teacher inputs are treated as constants. Updates both centers after computing the loss.
    /// </summary>
    public DenseDinoLossOutput Forward(Tensor studentCls, Tensor studentRef, Tensor teacherCls, Tensor teacherRef, int epoch)
    {
        int views = Options.Views, k = Options.OutDim;
        if (studentCls.Rank != 2 || studentCls.Shape[1] != k || studentCls.Shape[0] % views != 0)
            throw new ArgumentException($"DenseDinoLoss: studentCls {studentCls.Shape} must be [V·B, K] with V={views}, K={k}");
        int b = studentCls.Shape[0] / views;
        if (studentRef.Rank != 3 || studentRef.Shape[0] != views * b || studentRef.Shape[1] % 2 != 0 || studentRef.Shape[2] != k)
            throw new ArgumentException($"DenseDinoLoss: studentRef {studentRef.Shape} must be [V·B={views * b}, 2M, K={k}]");
        int m = studentRef.Shape[1] / 2;
        if (teacherCls.Shape != new Shape(2 * b, k))
            throw new ArgumentException($"DenseDinoLoss: teacherCls {teacherCls.Shape} must be [2B={2 * b}, K={k}]");
        if (teacherRef.Shape != new Shape(2 * b, views * m, k))
            throw new ArgumentException($"DenseDinoLoss: teacherRef {teacherRef.Shape} must be [2B={2 * b}, V·M={views * m}, K={k}] (studentRef {studentRef.Shape})");
        if (epoch < 0 || epoch >= TeacherTempSchedule.Length)
            throw new ArgumentException($"DenseDinoLoss: epoch {epoch} outside the teacher temperature schedule [0, {TeacherTempSchedule.Length})");

        float invTeacherTemp = (float)(1.0 / TeacherTempSchedule[epoch]);
        float invStudentTemp = 1f / Options.StudentTemp;
        Tensor teacherClsProbs, teacherRefProbs;
        using (GradMode.NoGrad())
        {
            // The centred and sharpened logits are K wide and dead once the softmax has run: a nested
            // scope frees them now instead of at the end of the step (at 224 px, batch 64, about 1 GB).
            using var teacherScope = TensorScope.Current is null ? null : TensorScope.Begin();
            teacherClsProbs = Ops.Softmax(Ops.Mul(Ops.Sub(Ops.Detach(teacherCls), Center), invTeacherTemp));      // [2B, K]
            var tRef = Ops.Reshape(Ops.Detach(teacherRef), 2 * b, views, m, k);                                   // [2B, V, M, K]
            teacherRefProbs = Ops.Softmax(Ops.Mul(Ops.Sub(tRef, RefCenter), invTeacherTemp));
            teacherScope?.Keep(teacherClsProbs);
            teacherScope?.Keep(teacherRefProbs);
        }
        var sCls = Ops.Mul(studentCls, invStudentTemp);                                                           // [V·B, K]
        var scaledRef = Ops.Mul(studentRef, invStudentTemp);                                                     // [V·B, 2M, K]
        var sRef = Ops.Reshape(scaledRef, views * b, 2, m, k);                                                   // [V·B, 2, M, K]
        var refViews = new List<Tensor>();   // views of sRef, released with it below

        Tensor? clsSum = null, refSum = null;
        double clsTerms = 1e-5, refTerms = 1e-5;  // the official zero-division guard
        for (int iq = 0; iq < 2; iq++)
        {
            for (int v = 0; v < views; v++)
            {
                if (v == iq) continue;
                if (Options.ClsAllViews || v < 2)
                {
                    var t = Ops.Slice(teacherClsProbs, 0, iq * b, b);                                               // [B, K]
                    var s = Ops.Slice(sCls, 0, v * b, b);                                                           // [B, K]
                    clsSum = Accumulate(clsSum, Ops.Mean(Ops.SoftCrossEntropy(t, s)));
                    clsTerms += 1;
                }
                if (Options.RefAllViews || v < 2)
                {
                    var t = Ops.Reshape(Ops.Slice(Ops.Slice(teacherRefProbs, 0, iq * b, b), 1, v, 1), b, m, k);     // [B, M, K]
                    var viewRows = Ops.Slice(sRef, 0, v * b, b);                                                    // [B, 2, M, K] view
                    refViews.Add(viewRows);
                    var s = Ops.Reshape(Ops.Slice(viewRows, 1, iq, 1), b, m, k);                                    // [B, M, K] copy
                    refSum = Accumulate(refSum, Ops.Mean(Ops.SoftCrossEntropy(t, s)));
                    refTerms += 1;
                }
            }
        }
        // Every pair's student REF logits are copies now, and no backward reads the scaled K-wide block
        // they were cut from (scaling and slicing keep only shapes): free it instead of holding it, and
        // its views, until the step ends (at 224 px, batch 64, 0.5 GB). The graph keeps the tensor
        // objects for their shapes.
        foreach (var view in refViews) view.Dispose();
        sRef.Dispose();
        scaledRef.Dispose();

        var clsLoss = clsSum is null ? Tensor.Zeros(Backend, []) : Ops.Mul(clsSum, (float)(1.0 / clsTerms));
        var refLoss = refSum is null ? Tensor.Zeros(Backend, []) : Ops.Mul(refSum, (float)(1.0 / refTerms));
        var total = Ops.Add(Ops.Mul(clsLoss, Options.Alpha), Ops.Mul(refLoss, 1f - Options.Alpha));

        UpdateCenters(teacherCls, teacherRef, b, m);
        return new DenseDinoLossOutput(total, clsLoss, refLoss);
    }

    /// <summary>
    /// c ← c·μ + mean·(1 − μ): c_cls over every teacher CLS row; c_ref over the teacher REF tokens
    /// paired with views 0 and 1 (self-pair included), averaged over batch and tokens.
    /// </summary>
    private void UpdateCenters(Tensor teacherCls, Tensor teacherRef, int b, int m)
    {
        int views = Options.Views, k = Options.OutDim;
        float mu = Options.CenterMomentum;
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Current is null ? null : TensorScope.Begin();   // the K-wide means and slices die here
        var clsMean = Ops.Mean(Ops.Detach(teacherCls), 0, keepDim: true);                                          // [1, K]
        var globalRefs = Ops.Slice(Ops.Reshape(Ops.Detach(teacherRef), 2 * b, views, m, k), 1, 0, 2);             // [2B, 2, M, K]
        var refMean = Ops.Mean(Ops.Reshape(globalRefs, 2 * b * 2 * m, k), 0, keepDim: true);                      // [1, K]
        var nextCenter = Ops.Add(Ops.Mul(Center, mu), Ops.Mul(clsMean, 1f - mu));
        var nextRefCenter = Ops.Add(Ops.Mul(RefCenter, mu), Ops.Mul(refMean, 1f - mu));
        Backend.Copy(nextCenter, Center);
        Backend.Copy(nextRefCenter, RefCenter);
    }

    private static Tensor Accumulate(Tensor? sum, Tensor term) => sum is null ? term : Ops.Add(sum, term);

    public void Dispose()
    {
        Center.Dispose();
        RefCenter.Dispose();
    }
}
