using DenseDino.Nn;

namespace DenseDino.Training;

/// <summary>
/// Per-iteration schedules, built once as arrays as main_dino.py does (index = global step):
/// lr warms up linearly from 0 to lr·batch/256 then follows a cosine to min_lr; weight decay
/// and teacher momentum follow cosines (0.04 → 0.4, momentum → 1). The teacher temperature
/// is per epoch (DINOLoss.teacher_temp_schedule).
/// </summary>
public sealed class TrainingSchedules
{
    public TrainingSchedules(TrainingConfig c, int itersPerEpoch)
    {
        if (itersPerEpoch < 1) throw new ArgumentException($"TrainingSchedules: itersPerEpoch must be >= 1, got {itersPerEpoch} (fewer images than batch_size?)");
        ItersPerEpoch = itersPerEpoch;
        LearningRate = Schedules.Cosine(c.Lr * c.BatchSize / 256.0, c.MinLr, c.Epochs, itersPerEpoch, c.WarmupEpochs);
        WeightDecay = Schedules.Cosine(c.WeightDecay, c.WeightDecayEnd, c.Epochs, itersPerEpoch);
        Momentum = Schedules.Cosine(c.MomentumTeacher, 1.0, c.Epochs, itersPerEpoch);
        TeacherTemp = Schedules.TeacherTemperature(c.WarmupTeacherTemp, c.TeacherTemp, c.WarmupTeacherTempEpochs, c.Epochs);
    }

    public int ItersPerEpoch { get; }
    public int TotalSteps => LearningRate.Length;
    public double[] LearningRate { get; }
    public double[] WeightDecay { get; }
    public double[] Momentum { get; }
    /// <summary>One value per epoch.</summary>
    public double[] TeacherTemp { get; }
}
