using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Data;

/// <summary>
/// <see cref="PilColor.AdjustHue"/> on eight pixels per step (AVX2): Pillow's rgb2hsv, the hue shift and
/// hsv2rgb in the same float and double operations as the scalar code. IEEE division, products and
/// conversions round the same in SIMD lanes as in scalar registers, so every byte is identical; the
/// scalar code's tables (built from those expressions) become arithmetic, and its branches masks.
/// </summary>
internal static unsafe class VectorHue
{
    public static bool IsSupported => PixelVectors.IsSupported;

    /// <summary>Shifts the hue of src's leading pixels into dst, eight per step; returns how many it did (the rest is the caller's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]  // optimised from the first image: no tier-0 pass over intrinsics
    public static int Apply(byte* src, byte* dst, int pixels, byte shift)
    {
        int done = 0;
        for (; (long)done * 3 + PixelVectors.LoadBytes <= (long)pixels * 3; done += 8)
        {
            var (r, g, b) = PixelVectors.Load(src + done * 3);
            var (outR, outG, outB) = Shift(r, g, b, shift);
            PixelVectors.Store(dst + done * 3, outR, outG, outB);
        }
        return done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> R, Vector256<int> G, Vector256<int> B) Shift(Vector256<int> r, Vector256<int> g, Vector256<int> b, byte shift)
    {
        // rgb2hsv: V = max; grey pixels (max = min) come out as (V, V, V) whatever the shift.
        var maxc = Avx2.Max(r, Avx2.Max(g, b));
        var cr = maxc - Avx2.Min(r, Avx2.Min(g, b));
        var grey = Avx2.CompareEqual(cr, Vector256<int>.Zero);
        var crF = Avx.ConvertToVector256Single(cr);
        var rc = Avx.Divide(Avx.ConvertToVector256Single(maxc - r), crF);  // NaN in grey lanes, masked at the end
        var gc = Avx.Divide(Avx.ConvertToVector256Single(maxc - g), crF);
        var bc = Avx.Divide(Avx.ConvertToVector256Single(maxc - b), crF);
        var isR = Avx2.CompareEqual(r, maxc).AsSingle();
        var isG = Avx2.AndNot(Avx2.CompareEqual(r, maxc), Avx2.CompareEqual(g, maxc)).AsSingle();
        var h = Avx.BlendVariable(Avx.BlendVariable(PlusDifference(4.0, gc, rc), PlusDifference(2.0, rc, bc), isG), bc - gc, isR);
        var hue = Vector256.Create(HueByte(h.GetLower()), HueByte(h.GetUpper()));
        var sat = Avx.Divide(crF, Avx.ConvertToVector256Single(maxc));
        var s = Vector256.Create(Clip8Truncate(Avx.ConvertToVector256Double(sat.GetLower()) * 255.0),
                                 Clip8Truncate(Avx.ConvertToVector256Double(sat.GetUpper()) * 255.0));

        // hsv2rgb of (hue + shift, s, V).
        var hs = (hue + Vector256.Create((int)shift)) & Vector256.Create(255);
        var (sectorLo, fLo) = SectorAndFraction(hs.GetLower());
        var (sectorHi, fHi) = SectorAndFraction(hs.GetUpper());
        var sector = Vector256.Create(sectorLo, sectorHi);
        sector = Avx2.BlendVariable(sector, Vector256<int>.Zero, Avx2.CompareEqual(sector, Vector256.Create(6)));  // i % 6
        var f = Vector256.Create(fLo, fHi);
        var fs = Vector256.Create(Avx.ConvertToVector128Single(Avx.ConvertToVector256Double(s.GetLower()) / 255.0),
                                  Avx.ConvertToVector128Single(Avx.ConvertToVector256Double(s.GetUpper()) / 255.0));
        var fsf = fs * f;  // float product, as the scalar fs * f
        var p = Vector256.Create(Scaled(maxc.GetLower(), OneMinus(Avx.ConvertToVector256Double(fs.GetLower()))),
                                 Scaled(maxc.GetUpper(), OneMinus(Avx.ConvertToVector256Double(fs.GetUpper()))));
        var q = Vector256.Create(Scaled(maxc.GetLower(), OneMinus(Avx.ConvertToVector256Double(fsf.GetLower()))),
                                 Scaled(maxc.GetUpper(), OneMinus(Avx.ConvertToVector256Double(fsf.GetUpper()))));
        var t = Vector256.Create(
            Scaled(maxc.GetLower(), OneMinus(Avx.ConvertToVector256Double(fs.GetLower()) * OneMinus(Avx.ConvertToVector256Double(f.GetLower())))),
            Scaled(maxc.GetUpper(), OneMinus(Avx.ConvertToVector256Double(fs.GetUpper()) * OneMinus(Avx.ConvertToVector256Double(f.GetUpper())))));
        var v = maxc;

        // Sectors 0-5 give (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q).
        var is0 = Avx2.CompareEqual(sector, Vector256<int>.Zero);
        var is1 = Avx2.CompareEqual(sector, Vector256.Create(1));
        var is2 = Avx2.CompareEqual(sector, Vector256.Create(2));
        var is3 = Avx2.CompareEqual(sector, Vector256.Create(3));
        var is4 = Avx2.CompareEqual(sector, Vector256.Create(4));
        var is5 = Avx2.CompareEqual(sector, Vector256.Create(5));
        var outR = Avx2.BlendVariable(Avx2.BlendVariable(Avx2.BlendVariable(p, v, is0 | is5), q, is1), t, is4);
        var outG = Avx2.BlendVariable(Avx2.BlendVariable(Avx2.BlendVariable(p, t, is0), v, is1 | is2), q, is3);
        var outB = Avx2.BlendVariable(Avx2.BlendVariable(Avx2.BlendVariable(v, p, is0 | is1), t, is2), q, is5);
        return (Avx2.BlendVariable(outR, v, grey), Avx2.BlendVariable(outG, v, grey), Avx2.BlendVariable(outB, v, grey));
    }

    /// <summary>(float)(c + x − y), evaluated in double as Pillow's C (mixing a double literal with floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PlusDifference(double c, Vector256<float> x, Vector256<float> y)
    {
        var cv = Vector256.Create(c);
        var lo = cv + Avx.ConvertToVector256Double(x.GetLower()) - Avx.ConvertToVector256Double(y.GetLower());
        var hi = cv + Avx.ConvertToVector256Double(x.GetUpper()) - Avx.ConvertToVector256Double(y.GetUpper());
        return Vector256.Create(Avx.ConvertToVector128Single(lo), Avx.ConvertToVector128Single(hi));
    }

    /// <summary>rgb2hsv's H byte from h: fmod(h / 6 + 1, 1) rounded to float, times 255, clipped and truncated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> HueByte(Vector128<float> h)
    {
        var w = Avx.ConvertToVector256Double(h) / 6.0 + Vector256.Create(1.0);
        w = Avx.BlendVariable(w, w - Vector256.Create(1.0), Avx.CompareGreaterThanOrEqual(w, Vector256.Create(1.0)));
        return Clip8Truncate(Avx.ConvertToVector256Double(Avx.ConvertToVector128Single(w)) * 255.0);
    }

    /// <summary>hsv2rgb's floor(h·6/255) and its fraction rounded to float, from the exact double expression.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<int> Sector, Vector128<float> Fraction) SectorAndFraction(Vector128<int> h)
    {
        var x = Avx.ConvertToVector256Double(h) * 6.0 / 255.0;
        var floor = Avx.Floor(x);
        return (Avx.ConvertToVector128Int32WithTruncation(floor), Avx.ConvertToVector128Single(x - floor));
    }

    /// <summary>(int)(v·k + 0.5), at most 255: Pillow's rounding of a non-negative channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Scaled(Vector128<int> v, Vector256<double> k)
    {
        var rounded = Avx.ConvertToVector128Int32WithTruncation(Avx.ConvertToVector256Double(v) * k + Vector256.Create(0.5));
        return Sse41.Min(rounded, Vector128.Create(255));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> OneMinus(Vector256<double> x) => Vector256.Create(1.0) - x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Clip8Truncate(Vector256<double> v) =>
        Avx.ConvertToVector128Int32WithTruncation(Avx.Min(Avx.Max(v, Vector256<double>.Zero), Vector256.Create(255.0)));
}
