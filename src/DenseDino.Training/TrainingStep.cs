using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Training;

/// <summary>Hyper-parameters of one step (this iteration's schedule values).</summary>
public sealed record StepSettings(
    float LearningRate, float WeightDecay, float TeacherMomentum, int Epoch,
    bool FreezeLastLayer, float ClipGrad, ulong? DropPathSeed, MaskMode Mask);

/// <summary>Losses of one step; when not finite nothing was updated (the centers excepted).</summary>
public readonly record struct StepLosses(double Total, double Cls, double Ref)
{
    public bool IsFinite => double.IsFinite(Total);
}

/// <summary>
/// One DenseDINO iteration as main_dino.train_one_epoch runs it: teacher on the 2 globals (no
/// grad, teacher points), student on every view (student points, drop path), loss, backward,
/// per-tensor clip, last-layer freeze, AdamW, EMA teacher.
/// </summary>
public static class TrainingStep
{
    /// <param name="images">[V·B, 3, S, S], view-major (view v's batch at rows v·B .. v·B + B)</param>
    /// <param name="studentPoints">[V·B, 2, M, 2]: view v's coordinates of the points it shares with global 0, then 1</param>
    /// <param name="teacherPoints">[2B, V, M, 2]: global iq's coordinates of the points it shares with each view</param>
    /// <param name="phaseDone">Called after each phase ("teacher", "student", "loss", "backward", "update"), for profiling.</param>
    public static StepLosses Run(DenseDinoModel student, DenseDinoModel teacher, DenseDinoLoss loss, AdamWOptimizer optimizer,
        Tensor images, Tensor studentPoints, Tensor teacherPoints, StepSettings s, Action<string>? phaseDone = null)
    {
        int b = teacherPoints.Shape[0] / 2, views = loss.Options.Views;
        DenseDinoOutput t;
        using (GradMode.NoGrad())
        {
            // The teacher's intermediates go back to the pool at once (no backward needs them),
            // unless the caller keeps no scope, in which case nothing could own the outputs.
            using var teacherScope = TensorScope.Current is null ? null : TensorScope.Begin();
            // REF tokens grouped by loss pair before the heads (192 wide), so no K-wide slice is copied.
            t = teacher.Forward(Ops.Slice(images, 0, 0, 2 * b), teacherPoints, s.Mask,                       // globals only
                arrangeRefs: r => DenseDinoLoss.TeacherRefsByView(r, views));
            teacherScope?.Keep(t.Cls);
            teacherScope?.Keep(t.Refs!);
        }
        phaseDone?.Invoke("teacher");
        var o = student.Forward(images, studentPoints, s.Mask, s.DropPathSeed, DenseDinoLoss.StudentRefsByGlobal);
        phaseDone?.Invoke("student");
        var l = loss.ForwardByPairs(o.Cls, o.Refs!, t.Cls, t.Refs!, s.Epoch);
        // The teacher's logits are used up (the loss keeps their probabilities, the centers are updated):
        // back to the pool before backward, whose start is the step's memory peak (K-wide, 512 MiB at 224 px batch 64).
        t.Cls.Dispose();
        t.Refs!.Dispose();
        var losses = new StepLosses(l.Total.Item(), l.Cls.Item(), l.Ref.Item());
        phaseDone?.Invoke("loss");
        if (!losses.IsFinite) return losses;

        student.ZeroGrad();
        l.Total.Backward();
        phaseDone?.Invoke("backward");
        // Clip, AdamW and the teacher's EMA in one pass per parameter (the clip is per parameter, so
        // dropping the frozen last layer's gradients first changes no other parameter's update).
        if (s.FreezeLastLayer) optimizer.CancelLastLayerGradients();
        var teacherParams = teacher.NamedParameters().ToDictionary(p => p.Name, p => p.Value);
        var updated = optimizer.Step(s.LearningRate, s.WeightDecay, s.ClipGrad, teacherParams, s.TeacherMomentum);
        UpdateTeacher(student, teacher, s.TeacherMomentum, skip: updated);
        student.ZeroGrad();
        phaseDone?.Invoke("update");
        return losses;
    }

    /// <summary>teacher ← m·teacher + (1 − m)·student over every matched parameter (weight_g included: DINO zips all parameters).</summary>
    /// <param name="skip">names already updated (by the optimizer's fused pass)</param>
    public static void UpdateTeacher(DenseDinoModel student, DenseDinoModel teacher, float momentum, IReadOnlySet<string>? skip = null)
    {
        using var a = student.NamedParameters().GetEnumerator();
        using var t = teacher.NamedParameters().GetEnumerator();
        while (a.MoveNext() && t.MoveNext())
            if (skip is null || !skip.Contains(a.Current.Name))
                Optim.Ema(t.Current.Value, a.Current.Value, momentum);
    }
}
