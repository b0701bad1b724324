namespace DenseDino.Training;

/// <summary>What one training step did (one log.jsonl line).</summary>
public sealed record StepRecord(
    int Step, int Epoch, double Loss, double ClsLoss, double RefLoss,
    double Lr, double WeightDecay, double Momentum, double TeacherTemp,
    int Images, double Seconds);
