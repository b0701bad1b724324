using ILGPU.Algorithms;

namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Scalar helpers callable from kernels. Written with XMath only: no System.Numerics,
/// spans, exceptions or lambdas (ILGPU cannot lower them).
/// </summary>
public static class DeviceMath
{
    /// <summary>Largest group used by the grouped (row) kernels; their shared arrays have this size.</summary>
    public const int MaxGroup = 256;

    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>
    /// Φ(x) from erfc's Chebyshev fit (XMath has no erf). The CPU's GeluMath now uses a cheaper rational erf
    /// (GELU is compute-bound there, memory-bound here); the two agree within ~3e-7.
    /// </summary>
    public static float NormalCdf(float x)
    {
        float a = XMath.Abs(x) * InvSqrt2;
        float t = 1f / (1f + 0.5f * a);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f
            + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float e = t * XMath.Exp(-a * a + poly);
        return x >= 0 ? 1f - 0.5f * e : 0.5f * e;
    }

    public static float NormalPdf(float x) => InvSqrt2Pi * XMath.Exp(-0.5f * x * x);

    /// <summary>tanh from exp (PTX's tanh.approx is too coarse for the golden tolerance).</summary>
    public static float Tanh(float x)
    {
        float e = XMath.Exp(-2f * XMath.Abs(x));
        float r = (1f - e) / (1f + e);
        return x < 0 ? -r : r;
    }

    /// <summary>x^a with C semantics for negative x and integral a.</summary>
    public static float Pow(float x, float a)
    {
        if (a == 0f) return 1f;
        if (a == 1f) return x;
        if (a == 2f) return x * x;
        float r = XMath.Pow(XMath.Abs(x), a);
        if (x < 0f)
        {
            float f = XMath.Floor(a);
            if (f != a) return float.NaN;
            long ai = (long)f;
            if ((ai & 1L) != 0) r = -r;
        }
        return r;
    }

    public static float Unary(int op, float x, float a)
    {
        switch (op)
        {
            case 0: return -x;
            case 1: return XMath.Exp(x);
            case 2: return XMath.Log(x);
            case 3: return XMath.Sqrt(x);
            case 4: return Tanh(x);
            case 5: return x > 0f ? x : 0f;
            case 6: return x * NormalCdf(x);
            case 7: return x + a;
            case 8: return x * a;
            default: return Pow(x, a);
        }
    }

    /// <summary>dy·f'(x) given x, y = f(x) (order of <see cref="DenseDino.Numerics.UnaryOp"/>).</summary>
    public static float UnaryGrad(int op, float x, float y, float g, float a)
    {
        switch (op)
        {
            case 0: return -g;
            case 1: return g * y;
            case 2: return g / x;
            case 3: return 0.5f * g / y;
            case 4: return g * (1f - y * y);
            case 5: return x > 0f ? g : 0f;
            case 6: return g * (NormalCdf(x) + x * NormalPdf(x));
            case 7: return g;
            case 8: return g * a;
            default: return g * a * Pow(x, a - 1f);
        }
    }

    public static float Binary(int op, float a, float b)
    {
        switch (op)
        {
            case 0: return a + b;
            case 1: return a - b;
            case 2: return a * b;
            default: return a / b;
        }
    }

    /// <summary>Threads that fold the group's values before every thread reads the folded row.</summary>
    private const int FoldLanes = 32;

    /// <summary>
    /// Sum of v over the group (any power-of-two size ≤ MaxGroup); every thread gets the result, in
    /// the same order on every thread. Three barriers instead of a log2(size)-step tree: 32 threads
    /// fold strided slices, then each thread adds the 32 partials (shared-memory broadcast reads).
    /// </summary>
    public static float GroupSum(ArrayView<float> shared, float v)
    {
        int t = Group.IdxX, n = Group.DimX;
        shared[t] = v;
        Group.Barrier();
        if (n > FoldLanes)
        {
            // Thread t < 32 reads only shared[t + 32k] and writes shared[t]: no other reader of that slot.
            if (t < FoldLanes)
            {
                float s = 0f;
                for (int i = t; i < n; i += FoldLanes) s += shared[i];
                shared[t] = s;
            }
            Group.Barrier();
            n = FoldLanes;
        }
        float r = 0f;
        for (int i = 0; i < n; i++) r += shared[i];
        Group.Barrier();
        return r;
    }

    /// <summary>Max of v over the group, as <see cref="GroupSum"/>; every thread gets the result.</summary>
    public static float GroupMax(ArrayView<float> shared, float v)
    {
        int t = Group.IdxX, n = Group.DimX;
        shared[t] = v;
        Group.Barrier();
        if (n > FoldLanes)
        {
            if (t < FoldLanes)
            {
                float m = shared[t];
                for (int i = t + FoldLanes; i < n; i += FoldLanes) m = XMath.Max(m, shared[i]);
                shared[t] = m;
            }
            Group.Barrier();
            n = FoldLanes;
        }
        float r = shared[0];
        for (int i = 1; i < n; i++) r = XMath.Max(r, shared[i]);
        Group.Barrier();
        return r;
    }

    /// <summary>Keys cubic weight (A = −0.75) of tap k ∈ {0..3} (offsets −1..+2) at fraction t.</summary>
    public static float CubicWeight(float t, int k)
    {
        const float A = -0.75f;
        if (k == 0) { float x = t + 1f; return ((A * x - 5f * A) * x + 8f * A) * x - 4f * A; }
        if (k == 1) { float x = t; return ((A + 2f) * x - (A + 3f)) * x * x + 1f; }
        if (k == 2) { float x = 1f - t; return ((A + 2f) * x - (A + 3f)) * x * x + 1f; }
        float z = 2f - t;
        return ((A * z - 5f * A) * z + 8f * A) * z - 4f * A;
    }

    /// <summary>d(weight k)/dt (torch subtracts get_cubic_coefficients_grad; this is the derivative).</summary>
    public static float CubicWeightGrad(float t, int k)
    {
        const float A = -0.75f;
        if (k == 0) { float x = t + 1f; return (3f * A * x - 10f * A) * x + 8f * A; }
        if (k == 1) { float x = t; return (3f * (A + 2f) * x - 2f * (A + 3f)) * x; }
        if (k == 2) { float x = 1f - t; return -((3f * (A + 2f) * x - 2f * (A + 3f)) * x); }
        float z = 2f - t;
        return -((3f * A * z - 10f * A) * z + 8f * A);
    }
}
