using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// Softmax of one short row in two vector passes (max; exp, sum and store) plus a scale, with the
/// additive mask folded in. Attention calls this per query row, where the rows are 37-197 long and
/// four separate TensorPrimitives calls per row cost more than the exponentials; the Softmax primitive
/// uses it for every row too.
/// </summary>
internal static unsafe class RowSoftmax
{
    /// <summary>p[j] = softmax(s + mask)[j] over n entries; mask may be null; p may be s.</summary>
    public static void Forward(float* s, float* mask, float* p, int n)
    {
        if (n <= 0) return;
        if (!Vector256.IsHardwareAccelerated) { Scalar(s, mask, p, n); return; }
        // The last n % 8 logits go through an 8-float buffer padded with -inf (weight exactly 0): a
        // scalar exp per tail element would cost as much as the whole vector part of a 37-wide row.
        int body = n & ~7, tail = n - body;
        float* t = stackalloc float[8];
        for (int j = 0; j < 8; j++) t[j] = j < tail ? (mask == null ? s[body + j] : s[body + j] + mask[body + j]) : float.NegativeInfinity;
        var vt = Vector256.Load(t);

        // Raw vmaxps: the portable Vector256.Max's NaN and signed-zero fix-ups put five dependent
        // instructions on the loop-carried chain. A NaN logit still turns the row to NaN through the sum.
        var vmax = vt;
        if (Avx.IsSupported) for (int j = 0; j < body; j += 8) vmax = Avx.Max(vmax, Logit(s, mask, j));
        else for (int j = 0; j < body; j += 8) vmax = Vector256.Max(vmax, Logit(s, mask, j));
        var vm = Vector256.Create(HorizontalMax(vmax));
        var vsum = Vector256<float>.Zero;
        for (int j = 0; j < body; j += 8)
        {
            var e = FastExp.NonPositiveFlushed(Logit(s, mask, j) - vm);
            Vector256.Store(e, p + j);
            vsum += e;
        }
        var et = FastExp.NonPositiveFlushed(vt - vm);
        vsum += et;
        var inv = Vector256.Create(1f / Vector256.Sum(vsum));
        for (int j = 0; j < body; j += 8) Vector256.Store(Vector256.Load(p + j) * inv, p + j);
        Vector256.Store(et * inv, t);
        for (int j = 0; j < tail; j++) p[body + j] = t[j];
    }

    private static void Scalar(float* s, float* mask, float* p, int n)
    {
        float max = float.NegativeInfinity, sum = 0;
        for (int j = 0; j < n; j++) max = MathF.Max(max, mask == null ? s[j] : s[j] + mask[j]);
        for (int j = 0; j < n; j++) sum += p[j] = MathF.Exp((mask == null ? s[j] : s[j] + mask[j]) - max);
        for (int j = 0; j < n; j++) p[j] /= sum;
    }

    /// <summary>dst = p ∘ (d − Σ p·d), the softmax backward of one row; dst may be d.</summary>
    public static void Backward(float* p, float* d, float* dst, int n)
    {
        int j = 0;
        float dot = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; j + 8 <= n; j += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(p + j), Vector256.Load(d + j), acc);
            dot = Vector256.Sum(acc);
        }
        for (; j < n; j++) dot += p[j] * d[j];
        j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vdot = Vector256.Create(dot);
            for (; j + 8 <= n; j += 8) Vector256.Store(Vector256.Load(p + j) * (Vector256.Load(d + j) - vdot), dst + j);
        }
        for (; j < n; j++) dst[j] = p[j] * (d[j] - dot);
    }

    private static Vector256<float> Logit(float* s, float* mask, int j) =>
        mask == null ? Vector256.Load(s + j) : Vector256.Load(s + j) + Vector256.Load(mask + j);

    private static float HorizontalMax(Vector256<float> v)
    {
        float max = v[0];
        for (int i = 1; i < 8; i++) max = MathF.Max(max, v[i]);
        return max;
    }
}
