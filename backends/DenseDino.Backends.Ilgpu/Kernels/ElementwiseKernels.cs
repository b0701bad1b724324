using ILGPU.Algorithms;

namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>One thread per element: fills, unary/binary maps, randomness and optimiser updates.</summary>
public static class ElementwiseKernels
{
    [Kernel]
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    [Kernel]
    public static void Unary(Index1D i, ArrayView<float> x, ArrayView<float> y, int op, float alpha) =>
        y[i] = DeviceMath.Unary(op, x[i], alpha);

    /// <summary>dx = dy·f'(x); accumulate ≠ 0 adds into dx.</summary>
    [Kernel]
    public static void UnaryBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int op, float alpha, int accumulate)
    {
        float g = DeviceMath.UnaryGrad(op, x[i], y[i], dy[i], alpha);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>Same-shape binary op (the common case: no index math).</summary>
    [Kernel]
    public static void BinarySame(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int op) =>
        y[i] = DeviceMath.Binary(op, a[i], b[i]);

    /// <summary>Broadcasting binary op: y index → a and b offsets through collapsed dims.</summary>
    [Kernel]
    public static void BinaryBroadcast(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, BroadcastArgs p)
    {
        long oa, ob;
        if (p.Narrow != 0) Dims6.Offsets32(i, p.Dims, p.StrideA, p.StrideB, out oa, out ob);
        else Dims6.Offsets(i, p.Dims, p.StrideA, p.StrideB, out oa, out ob);
        y[i] = DeviceMath.Binary(p.Op, a[oa], b[ob]);
    }

    /// <summary>mask[i] = 0 with probability p else keep; SplitMix64 of (seed, i) as CounterRandom.</summary>
    [Kernel]
    public static void Dropout(Index1D i, ArrayView<float> mask, ulong seed, float p, float keep)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + (ulong)(long)i.X * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        // Top 24 bits as an int: int→float converts on every target (u64→f32 does not on OpenCL).
        int top = (int)(z >> 40);
        float u = top * (1f / (1 << 24));
        mask[i] = u < p ? 0f : keep;
    }

    /// <summary>x *= min(1, maxNorm / (sqrt(sumSquares[index]) + 1e-6)); the norm stays on the device.</summary>
    [Kernel]
    public static void ClipByNorm(Index1D i, ArrayView<float> x, ArrayView<float> sumSquares, int index, float maxNorm)
    {
        float coef = maxNorm / (XMath.Sqrt(sumSquares[index]) + 1e-6f);
        if (coef < 1f) x[i] = x[i] * coef;
    }

    /// <summary>teacher = momentum·teacher + (1 − momentum)·student.</summary>
    [Kernel]
    public static void Ema(Index1D i, ArrayView<float> teacher, ArrayView<float> student, float momentum) =>
        teacher[i] = student[i] * (1f - momentum) + teacher[i] * momentum;
}
