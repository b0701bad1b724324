namespace DenseDino.Training;

/// <summary>Backends a run can name; the ILGPU one is being written elsewhere and is not in this build.</summary>
public static class BackendNames
{
    public static readonly string[] Available = ["cpu"];
    public const string NotAvailableNote = "ilgpu is not available in this build";
}
