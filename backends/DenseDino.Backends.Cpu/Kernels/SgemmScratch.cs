using System.Runtime.CompilerServices;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Per-thread packing buffers for <see cref="Sgemm"/>. Pinned arrays on the POH: no allocation
/// per call once a thread has seen its largest problem, and the GC frees them when the thread dies.
/// </summary>
internal sealed unsafe class SgemmScratch
{
    [ThreadStatic] private static SgemmScratch? current;

    private float[] array = [];
    private float* aligned;
    private long capacity;

    public float* PackA { get; private set; }
    public float* PackB { get; private set; }
    public float* Tile { get; private set; }

    /// <summary>The calling thread's buffers, grown to at least the given sizes (in floats).</summary>
    public static SgemmScratch For(long aFloats, long bFloats, long tileFloats)
    {
        var s = current ??= new SgemmScratch();
        // Round each part to 16 floats (64 bytes) so every panel starts on a cache line.
        long a = Round16(aFloats), b = Round16(bFloats), t = Round16(tileFloats);
        s.Ensure(a + b + t);
        s.PackA = s.aligned;
        s.PackB = s.aligned + a;
        s.Tile = s.aligned + a + b;
        return s;
    }

    private static long Round16(long x) => (x + 15) & ~15L;

    private void Ensure(long floats)
    {
        if (floats <= capacity) return;
        array = GC.AllocateUninitializedArray<float>(checked((int)(floats + 16)), pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref array[0]);
        aligned = (float*)((p + 63) & ~(nint)63);
        capacity = floats;
    }
}
