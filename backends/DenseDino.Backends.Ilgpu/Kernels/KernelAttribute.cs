namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Marks a device kernel, so that the offline compile check (PTX and OpenCL, no device
/// needed) finds every one. Grouped kernels take a KernelConfig; the rest are auto-grouped.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelAttribute(bool grouped = false) : Attribute
{
    public bool Grouped { get; } = grouped;
}
