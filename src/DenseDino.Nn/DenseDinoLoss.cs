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
    /// teacherCls [2B, K], teacherRef [2B, V·M, K] (global view iq's tokens for each view v): the
    /// official layout. Reorders the REF logits (K-wide copies) and runs <see cref="ForwardByPairs"/>;
    /// training reorders the REF tokens before the heads instead (<see cref="StudentRefsByGlobal"/>,
    /// <see cref="TeacherRefsByView"/>), where they are 192 wide, and calls that directly.
    /// </summary>
    public DenseDinoLossOutput Forward(Tensor studentCls, Tensor studentRef, Tensor teacherCls, Tensor teacherRef, int epoch)
    {
        int views = Options.Views, k = Options.OutDim;
        int vb = studentCls.Rank == 2 ? studentCls.Shape[0] : -1;
        if (studentRef.Rank != 3 || studentRef.Shape[0] != vb || studentRef.Shape[1] % 2 != 0 || studentRef.Shape[2] != k)
            throw new ArgumentException($"DenseDinoLoss: studentRef {studentRef.Shape} must be [V·B={vb}, 2M, K={k}]");
        return ForwardByPairs(studentCls, StudentRefsByGlobal(studentRef), teacherCls, TeacherRefsByView(teacherRef, views), epoch);
    }

    /// <summary>[rows, 2M, X] (a view's REF tokens for global 0, then global 1) → [2, rows, M, X].</summary>
    public static Tensor StudentRefsByGlobal(Tensor refs)
    {
        if (refs.Rank != 3 || refs.Shape[1] % 2 != 0)
            throw new ArgumentException($"DenseDinoLoss: student REF tokens {refs.Shape} must be [V·B, 2M, X]");
        return Ops.Permute(Ops.Reshape(refs, refs.Shape[0], 2, refs.Shape[1] / 2, refs.Shape[2]), 1, 0, 2, 3);
    }

    /// <summary>[2B, V·M, X] (a global's REF tokens for each view) → [V, 2B, M, X].</summary>
    public static Tensor TeacherRefsByView(Tensor refs, int views)
    {
        if (refs.Rank != 3 || refs.Shape[1] % views != 0)
            throw new ArgumentException($"DenseDinoLoss: teacher REF tokens {refs.Shape} must be [2B, V·M, X] with V={views}");
        return Ops.Permute(Ops.Reshape(refs, refs.Shape[0], views, refs.Shape[1] / views, refs.Shape[2]), 1, 0, 2, 3);
    }

    /// <summary>
    /// The loss with the REF logits grouped by pair: studentRefs [2, V·B, M, K] (global iq's points as
    /// seen by view v at [iq, v·B .. v·B + B)) and teacherRefs [V, 2B, M, K] (view v's points as seen by
    /// global iq at [v, iq·B .. iq·B + B)). Every pair's rows are then one contiguous block: the
    /// cross-entropies read views, no K-wide slice is copied. Teacher inputs are treated as constants;
    /// both centers are updated after the loss.
    /// </summary>
    public DenseDinoLossOutput ForwardByPairs(Tensor studentCls, Tensor studentRefs, Tensor teacherCls, Tensor teacherRefs, int epoch)
    {
        int views = Options.Views, k = Options.OutDim;
        if (studentCls.Rank != 2 || studentCls.Shape[1] != k || studentCls.Shape[0] % views != 0)
            throw new ArgumentException($"DenseDinoLoss: studentCls {studentCls.Shape} must be [V·B, K] with V={views}, K={k}");
        int b = studentCls.Shape[0] / views;
        if (studentRefs.Rank != 4 || studentRefs.Shape[0] != 2 || studentRefs.Shape[1] != views * b || studentRefs.Shape[3] != k)
            throw new ArgumentException($"DenseDinoLoss: student REF logits {studentRefs.Shape} must be [2, V·B={views * b}, M, K={k}]");
        int m = studentRefs.Shape[2];
        if (teacherCls.Shape != new Shape(2 * b, k))
            throw new ArgumentException($"DenseDinoLoss: teacherCls {teacherCls.Shape} must be [2B={2 * b}, K={k}]");
        if (teacherRefs.Shape != new Shape(views, 2 * b, m, k))
            throw new ArgumentException($"DenseDinoLoss: teacher REF logits {teacherRefs.Shape} must be [V={views}, 2B={2 * b}, M={m}, K={k}] (student {studentRefs.Shape})");
        if (epoch < 0 || epoch >= TeacherTempSchedule.Length)
            throw new ArgumentException($"DenseDinoLoss: epoch {epoch} outside the teacher temperature schedule [0, {TeacherTempSchedule.Length})");

        float invTeacherTemp = (float)(1.0 / TeacherTempSchedule[epoch]);
        float invStudentTemp = 1f / Options.StudentTemp;
        Tensor teacherClsProbs, teacherRefProbs;
        using (GradMode.NoGrad())
        {
            // The detached views end with this scope, so once the centers are updated the caller can free the
            // teacher's logits before backward (the probabilities are what the cross-entropies keep).
            using var probsScope = TensorScope.Current is null ? null : TensorScope.Begin();
            // softmax((t − c)/τt) in one pass: no centred or sharpened K-wide intermediate is made.
            teacherClsProbs = Ops.Softmax(Ops.Detach(teacherCls), Center, invTeacherTemp);                          // [2B, K]
            var tRef = Ops.Reshape(Ops.Detach(teacherRefs), views * 2 * b, m, k);                                 // [V·2B, M, K]
            teacherRefProbs = Ops.Softmax(tRef, RefCenter, invTeacherTemp);
            probsScope?.Keep(teacherClsProbs);
            probsScope?.Keep(teacherRefProbs);
        }
        // The student temperature is folded into the cross-entropies: no scaled K-wide copy of the logits.
        var sRef = Ops.Reshape(studentRefs, 2 * views * b, m, k);                                                // [2·V·B, M, K]

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
                    var s = Ops.Slice(studentCls, 0, v * b, b);                                                     // [B, K]
                    clsSum = Accumulate(clsSum, Ops.Mean(Ops.SoftCrossEntropy(t, s, invStudentTemp)));
                    clsTerms += 1;
                }
                if (Options.RefAllViews || v < 2)
                {
                    var t = Ops.Slice(teacherRefProbs, 0, (v * 2 + iq) * b, b);                                    // [B, M, K] view
                    var s = Ops.Slice(sRef, 0, (iq * views + v) * b, b);                                            // [B, M, K] view
                    refSum = Accumulate(refSum, Ops.Mean(Ops.SoftCrossEntropy(t, s, invStudentTemp)));
                    refTerms += 1;
                }
            }
        }

        var clsLoss = clsSum is null ? Tensor.Zeros(Backend, []) : Ops.Mul(clsSum, (float)(1.0 / clsTerms));
        var refLoss = refSum is null ? Tensor.Zeros(Backend, []) : Ops.Mul(refSum, (float)(1.0 / refTerms));
        var total = Ops.Add(Ops.Mul(clsLoss, Options.Alpha), Ops.Mul(refLoss, 1f - Options.Alpha));

        UpdateCenters(teacherCls, teacherRefs, b, m);
        return new DenseDinoLossOutput(total, clsLoss, refLoss);
    }

    /// <summary>
    /// c ← c·μ + mean·(1 − μ): c_cls over every teacher CLS row; c_ref over the teacher REF tokens
    /// paired with views 0 and 1 (self-pair included), averaged over batch and tokens.
    /// </summary>
    private void UpdateCenters(Tensor teacherCls, Tensor teacherRefs, int b, int m)
    {
        int views = Options.Views, k = Options.OutDim;
        float mu = Options.CenterMomentum;
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Current is null ? null : TensorScope.Begin();   // the K-wide means die here
        var clsMean = Ops.Mean(Ops.Detach(teacherCls), 0, keepDim: true);                                          // [1, K]
        // Views 0 and 1 lead the view-major REF logits: one contiguous block of 2·2B·M rows.
        var globalRefs = Ops.Slice(Ops.Reshape(Ops.Detach(teacherRefs), views * 2 * b * m, k), 0, 0, 2 * 2 * b * m);
        var refMean = Ops.Mean(globalRefs, 0, keepDim: true);                                                     // [1, K]
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
