namespace DenseDino.Training;

/// <summary>Backends a run can name (the CLI's BackendFactory builds them): cpu, or an ILGPU accelerator picked by device index.</summary>
public static class BackendNames
{
    public static readonly string[] Available = ["cpu", "cuda", "opencl", "ilgpu-cpu"];
    public const string NotAvailableNote = "cuda, opencl and ilgpu-cpu take --device N (default 0)";
}
