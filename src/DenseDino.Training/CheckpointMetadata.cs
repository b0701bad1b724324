namespace DenseDino.Training;

/// <summary>One stored tensor: float32 little-endian, row-major, at Offset bytes from the start of the data section.</summary>
public sealed record CheckpointTensor(string Name, int[] Shape, long Offset)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The JSON part of a checkpoint. The run's randomness is a pure function of (seed, epoch,
/// index) for data and (seed, step) for drop path, so (Seed, Step) is the whole RNG state.
/// </summary>
public sealed class CheckpointMetadata
{
    public string Format { get; set; } = Checkpoint.FormatName;
    /// <summary>Steps completed; the next step to run.</summary>
    public int Step { get; set; }
    /// <summary>The epoch of the next step.</summary>
    public int Epoch { get; set; }
    public int ItersPerEpoch { get; set; }
    public long Seed { get; set; }
    /// <summary>Backend threads the run used (deterministic resumes need the same number).</summary>
    public int Threads { get; set; }
    public int OptimizerSteps { get; set; }
    public Dictionary<string, int> ParameterSteps { get; set; } = new();
    /// <summary>Loss of the last completed step (NaN before the first).</summary>
    public double LastLoss { get; set; } = double.NaN;
    /// <summary>Readable summary of the model (the tensor shapes are what loading checks).</summary>
    public string Architecture { get; set; } = "";
    public TrainingConfig Config { get; set; } = new();
    public List<CheckpointTensor> Tensors { get; set; } = new();
}
