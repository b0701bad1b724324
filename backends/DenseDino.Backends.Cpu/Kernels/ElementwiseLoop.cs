using System.Runtime.Intrinsics;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>An element-wise function of (x, y, g) with scalar parameter a, scalar and 8-wide.</summary>
internal interface IElementwise
{
    static abstract float Invoke(float x, float y, float g, float a);
    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a);
}

/// <summary>The one loop that drives every <see cref="IElementwise"/> (TensorPrimitives' pattern).</summary>
internal static unsafe class ElementwiseLoop
{
    public static void Run<TOp>(float* x, float* y, float* g, float* dst, int n, float a, bool accumulate) where TOp : IElementwise
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var r = TOp.Invoke(Vector256.Load(x + i), Vector256.Load(y + i), Vector256.Load(g + i), va);
                if (accumulate) r += Vector256.Load(dst + i);
                r.Store(dst + i);
            }
        }
        for (; i < n; i++)
        {
            float r = TOp.Invoke(x[i], y[i], g[i], a);
            dst[i] = accumulate ? dst[i] + r : r;
        }
    }
}
