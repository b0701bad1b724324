namespace DenseDino.Training;

/// <summary>Training stopped because the loss was NaN or infinite (main_dino.py exits the same way); nothing was updated by that step.</summary>
public sealed class NonFiniteLossException(int step, int epoch, double loss, string? lastCheckpoint)
    : Exception($"loss is {loss} at step {step} (epoch {epoch}); stopping training. " +
        (lastCheckpoint is null ? "No checkpoint was written yet." : $"The last good checkpoint is '{lastCheckpoint}' (resume with --resume, e.g. with a lower --lr)."))
{
    public int Step { get; } = step;
    public int Epoch { get; } = epoch;
    public double Loss { get; } = loss;
    public string? LastCheckpoint { get; } = lastCheckpoint;
}
