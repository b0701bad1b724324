using System.Numerics.Tensors;
using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // Below this many floats a copy or fill is not worth a second thread.
    private const int ParallelGrain = 1 << 16;

    public void Fill(Tensor y, float value)
    {
        float* p = Ptr(y);
        ForChunks(y.Length, (s, n) => new Span<float>(p + s, n).Fill(value));
    }

    public void Copy(Tensor x, Tensor y)
    {
        float* src = Ptr(x), dst = Ptr(y);
        ForChunks(y.Length, (s, n) => new ReadOnlySpan<float>(src + s, n).CopyTo(new Span<float>(dst + s, n)));
    }

    /// <summary>Splits [0, length) into per-thread chunks for memory-bound loops.</summary>
    internal void ForChunks(long length, Action<long, int> body)
    {
        if (length <= 0) return;
        int chunks = (int)Math.Clamp(length / ParallelGrain, 1, Threads);
        if (chunks == 1)
        {
            body(0, checked((int)length));
            return;
        }
        CpuParallel.For(chunks, chunks, long.MaxValue / chunks, c =>
        {
            long s = length * c / chunks, e = length * (c + 1) / chunks;
            body(s, (int)(e - s));
        });
    }

    public void DropoutMask(ulong seed, float p, Tensor mask)
    {
        float* m = Ptr(mask);
        float keep = 1f / (1f - p);
        ForChunks(mask.Length, (s, n) =>
        {
            for (int i = 0; i < n; i++) m[s + i] = CounterRandom.Uniform(seed, (ulong)(s + i)) < p ? 0f : keep;
        });
    }
}

/// <summary>A stateless counter-based generator: value i of stream seed, the same on every backend.</summary>
public static class CounterRandom
{
    /// <summary>Uniform in [0, 1) with 24 bits, from SplitMix64 of (seed, index).</summary>
    public static float Uniform(ulong seed, ulong index)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + index * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1f / (1 << 24));
    }
}
