namespace DenseDino.Training;

/// <summary>Bad hyper-parameters, found before training starts; <see cref="Errors"/> has one line per field.</summary>
public sealed class TrainingConfigException(IReadOnlyList<string> errors)
    : ArgumentException("invalid training config:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
