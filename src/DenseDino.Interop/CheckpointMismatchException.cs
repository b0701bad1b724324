namespace DenseDino.Interop;

/// <summary>A checkpoint that does not fit the model: missing, unexpected or wrongly shaped tensors.</summary>
public sealed class CheckpointMismatchException(string message) : Exception(message);
