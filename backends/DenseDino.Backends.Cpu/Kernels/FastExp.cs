using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// e^x for x ≤ ~0.01 (GELU's tails, softmax after subtracting the row max): Cephes' single-precision
/// range reduction and degree-5 polynomial (≈1 ulp), about twice as fast as Vector256.Exp.
/// </summary>
internal static class FastExp
{
    private const float Lowest = -87.33654f; // e^Lowest = 2^-126, the smallest normal float

    /// <summary>
    /// Below −87.3 this returns 2^−126 instead of underflowing (NaN only where x is NaN); callers that
    /// multiply by a factor that is then zero or negligible need nothing more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> NonPositive(Vector256<float> x)
    {
        // Raw AVX max/convert: the portable Vector256.Max/ConvertToInt32 add NaN and saturation fix-ups
        // (NaN still propagates: vmaxps returns its second operand, x, when x is NaN).
        x = Avx.IsSupported ? Avx.Max(Vector256.Create(Lowest), x) : Vector256.Max(x, Vector256.Create(Lowest));
        var n = Vector256.Floor(x * Vector256.Create(1.44269504088896341f) + Vector256.Create(0.5f));
        var r = x - n * Vector256.Create(0.693359375f) + n * Vector256.Create(2.12194440e-4f);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        var y = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        // n is integral in [-126, 0]: truncation is exact and nothing saturates.
        var ni = Avx.IsSupported ? Avx.ConvertToVector256Int32WithTruncation(n) : Vector256.ConvertToInt32(n);
        var scale = Vector256.ShiftLeft(ni + Vector256.Create(127), 23).AsSingle();
        return y * scale;
    }

    /// <summary>As <see cref="NonPositive"/>, but exactly 0 below −87.3 (a masked softmax logit must weigh nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> NonPositiveFlushed(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Lowest)), Vector256<float>.Zero, NonPositive(x));
}
