using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DenseDino.Numerics.Memory;

namespace DenseDino.Backends.Cpu;

/// <summary>A pinned float array: kernels can take a raw pointer without fixed blocks.</summary>
internal sealed unsafe class CpuBuffer : DeviceBuffer
{
    public CpuBuffer(long length) : base(length)
    {
        if (length > System.Array.MaxLength) throw new OutOfMemoryException($"CpuBuffer: {length:N0} floats exceed the largest .NET array");
        Array = GC.AllocateUninitializedArray<float>((int)length, pinned: true);
        Pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));
    }

    public float[] Array { get; private set; }
    public float* Pointer { get; }

    public override void Dispose() => Array = [];
}
