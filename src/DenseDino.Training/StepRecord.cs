namespace DenseDino.Training;

/// <summary>
/// What one training step did (one log.jsonl line). Seconds is the step itself; DataWaitSeconds how long the
/// loop waited for the batch before it (near zero when decode and augmentation keep ahead of the step).
/// </summary>
public sealed record StepRecord(
    int Step, int Epoch, double Loss, double ClsLoss, double RefLoss,
    double Lr, double WeightDecay, double Momentum, double TeacherTemp,
    int Images, double Seconds, double DataWaitSeconds = 0);
