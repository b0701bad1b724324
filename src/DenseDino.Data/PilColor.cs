using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Data;

/// <summary>
/// Pillow's colour operations, which torchvision's ColorJitter / Grayscale call for PIL images.
/// Each writes a new image; results are 8-bit like Pillow's.
/// </summary>
public static class PilColor
{
    /// <summary>Pillow's convert("L"): ITU-R 601-2 luma 0.299 R + 0.587 G + 0.114 B in 16-bit fixed point, rounded.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);

    /// <summary>Pillow's Image.blend(degenerate, image, factor): degenerate + factor * (image - degenerate), clipped, truncated.</summary>
    public static byte Blend(byte degenerate, byte value, double factor)
    {
        // Pillow computes in float and truncates toward zero after clipping.
        float t = degenerate + (float)factor * (value - degenerate);
        return t <= 0f ? (byte)0 : t >= 255f ? (byte)255 : (byte)t;
    }

    /// <summary>ImageEnhance.Brightness: blend with black.</summary>
    public static RgbImage AdjustBrightness(RgbImage image, double factor) => BlendWith(image, null, 0, factor);

    /// <summary>ImageEnhance.Contrast: blend with the image's mean luma (rounded to an integer grey).</summary>
    public static RgbImage AdjustContrast(RgbImage image, double factor)
    {
        byte mean = (byte)(int)((double)LumaSum(image.Pixels) / (image.Pixels.Length / 3) + 0.5);
        return BlendWith(image, null, mean, factor);
    }

    /// <summary>ImageEnhance.Color: blend with the image's own greyscale.</summary>
    public static RgbImage AdjustSaturation(RgbImage image, double factor)
    {
        byte[] src = image.Pixels;
        byte[] grey = System.Buffers.ArrayPool<byte>.Shared.Rent(src.Length);
        try
        {
            GreyInto(src, grey);
            return BlendWith(image, grey, 0, factor);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(grey); }
    }

    /// <summary>dst[0..src.Length) = each pixel's luma in all three channels (Pillow's convert("L").convert("RGB")).</summary>
    private static unsafe void GreyInto(byte[] src, byte[] dst)
    {
        int done = 0;
        fixed (byte* ps = src, pd = dst)
            if (PixelVectors.IsSupported)
                for (; (long)done * 3 + PixelVectors.LoadBytes <= src.Length; done += 8)
                {
                    var (r, g, b) = PixelVectors.Load(ps + done * 3);
                    var y = PixelVectors.Luma(r, g, b);
                    PixelVectors.Store(pd + done * 3, y, y, y);
                }
        for (int i = done * 3; i < src.Length; i += 3)
            dst[i] = dst[i + 1] = dst[i + 2] = Luma(src[i], src[i + 1], src[i + 2]);
    }

    /// <summary>The sum of every pixel's luma (contrast's mean), eight pixels per step.</summary>
    internal static unsafe long LumaSum(byte[] src)
    {
        long sum = 0;
        int done = 0;
        fixed (byte* ps = src)
            if (PixelVectors.IsSupported)
            {
                var acc = Vector256<int>.Zero;
                int sinceFlush = 0;
                for (; (long)done * 3 + PixelVectors.LoadBytes <= src.Length; done += 8)
                {
                    var (r, g, b) = PixelVectors.Load(ps + done * 3);
                    acc += PixelVectors.Luma(r, g, b);
                    if (++sinceFlush == 1 << 20)   // a lane holds at most 2^20 · 255 before it could overflow
                    {
                        sum += Vector256.Sum(Avx2.ConvertToVector256Int64(acc.GetLower()) + Avx2.ConvertToVector256Int64(acc.GetUpper()));
                        acc = Vector256<int>.Zero;
                        sinceFlush = 0;
                    }
                }
                sum += Vector256.Sum(Avx2.ConvertToVector256Int64(acc.GetLower()) + Avx2.ConvertToVector256Int64(acc.GetUpper()));
            }
        for (int i = done * 3; i < src.Length; i += 3) sum += Luma(src[i], src[i + 1], src[i + 2]);
        return sum;
    }

    /// <summary>
    /// Blend(degenerate, v, factor) for every byte v of the image, degenerate being that byte's grey[i] or,
    /// without grey, the one constant. Eight bytes per vector step: the same float operations in the same
    /// order as the scalar Blend (int difference, times the float factor, plus the degenerate; clip;
    /// truncate), so the bytes are identical.
    /// </summary>
    internal static unsafe RgbImage BlendWith(RgbImage image, byte[]? grey, byte constant, double factor)
    {
        byte[] src = image.Pixels;
        var dst = new byte[src.Length];
        int j = 0;
        fixed (byte* ps = src, pg = grey, pd = dst)
        {
            if (Avx2.IsSupported)
            {
                var f = Vector256.Create((float)factor);
                var fixedGrey = Vector256.Create((int)constant);
                for (; j + 8 <= src.Length; j += 8)
                {
                    var l = pg == null ? fixedGrey : Avx2.ConvertToVector256Int32(pg + j);
                    var t = Avx.ConvertToVector256Single(l) + f * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(ps + j) - l);
                    var r = Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(t, Vector256<float>.Zero), Vector256.Create(255f)));
                    var words = Sse41.PackUnsignedSaturate(r.GetLower(), r.GetUpper());
                    *(ulong*)(pd + j) = Sse2.PackUnsignedSaturate(words.AsInt16(), words.AsInt16()).AsUInt64().ToScalar();
                }
            }
            for (; j < src.Length; j++) pd[j] = Blend(pg == null ? constant : pg[j], ps[j], factor);
        }
        return new RgbImage(image.Width, image.Height, dst);
    }

    /// <summary>torchvision's F_pil.adjust_hue: convert to Pillow HSV, add uint8(hue * 255) to H with wrap-around, convert back.</summary>
    public static RgbImage AdjustHue(RgbImage image, double hueFactor) => AdjustHue(image, hueFactor, VectorHue.IsSupported);

    /// <summary>As the public overload; <paramref name="vectorised"/> false runs the scalar reference alone.</summary>
    internal static unsafe RgbImage AdjustHue(RgbImage image, double hueFactor, bool vectorised)
    {
        if (hueFactor < -0.5 || hueFactor > 0.5)
            throw new ArgumentOutOfRangeException(nameof(hueFactor), hueFactor, "AdjustHue: factor must be in [-0.5, 0.5]");
        // numpy's float->uint8 cast truncates toward zero, then wraps modulo 256.
        byte shift = unchecked((byte)(int)(hueFactor * 255));
        byte[] src = image.Pixels;
        var dst = new byte[src.Length];
        int done = 0;
        if (vectorised)
            fixed (byte* ps = src, pd = dst) done = VectorHue.Apply(ps, pd, src.Length / 3, shift);
        for (int i = done * 3; i < src.Length; i += 3)
        {
            var (h, s, v) = RgbToHsv(src[i], src[i + 1], src[i + 2]);
            var (r, g, b) = HsvToRgb(unchecked((byte)(h + shift)), s, v);
            dst[i] = r; dst[i + 1] = g; dst[i + 2] = b;
        }
        return new RgbImage(image.Width, image.Height, dst);
    }

    /// <summary>Pillow's convert("L").convert("RGB").</summary>
    public static RgbImage ToGrayscale(RgbImage image)
    {
        var dst = new byte[image.Pixels.Length];
        GreyInto(image.Pixels, dst);
        return new RgbImage(image.Width, image.Height, dst);
    }

    // Pillow's C mixes float variables with double literals; the casts below reproduce where it rounds to float.

    /// <summary>
    /// Pillow's rgb2hsv_row (Convert.c): all three channels scaled to 0..255. Its four float
    /// divisions have byte operands, so they come from tables built with the same expressions
    /// (identical floats, checked over every RGB triple by a test).
    /// </summary>
    internal static (byte H, byte S, byte V) RgbToHsv(byte r, byte g, byte b)
    {
        byte maxc = Math.Max(r, Math.Max(g, b));
        byte minc = Math.Min(r, Math.Min(g, b));
        if (maxc == minc) return (0, 0, maxc);
        int row = (maxc - minc) << 8;
        float rc = Quotient[row + maxc - r], gc = Quotient[row + maxc - g], bc = Quotient[row + maxc - b];
        float h = r == maxc ? bc - gc : g == maxc ? (float)(2.0 + rc - bc) : (float)(4.0 + gc - rc);
        double wrapped = h / 6.0 + 1.0; // in [5/6, 2): fmod(x, 1) is one exact subtraction
        h = (float)(wrapped >= 1.0 ? wrapped - 1.0 : wrapped);
        return (Clip8Truncate(h * 255.0), Saturation[row + maxc], maxc);
    }

    // Quotient[cr·256 + n] = n / cr and Saturation[cr·256 + max] = the S byte of cr / max, in
    // rgb2hsv's float arithmetic (cr = max − min ≥ 1).
    private static readonly float[] Quotient = BuildTable(256 * 256, (cr, n) => cr == 0 ? 0f : (float)n / (float)cr);
    private static readonly byte[] Saturation = BuildTable(256 * 256, (cr, max) => cr == 0 || max == 0 ? (byte)0 : Clip8Truncate((float)cr / (float)max * 255.0));

    private static T[] BuildTable<T>(int length, Func<int, int, T> entry)
    {
        var table = new T[length];
        for (int i = 0; i < length; i++) table[i] = entry(i >> 8, i & 255);
        return table;
    }

    /// <summary>Pillow's hsv2rgb (Convert.c).</summary>
    internal static (byte R, byte G, byte B) HsvToRgb(byte hIn, byte sIn, byte vIn)
    {
        if (sIn == 0) return (vIn, vIn, vIn);
        int i = HueSector[hIn];
        float f = HueFraction[hIn];
        float fs = SatFraction[sIn];
        byte p = Clip8RoundNonNegative(vIn * (1.0 - fs));
        byte q = Clip8RoundNonNegative(vIn * (1.0 - fs * f));
        byte t = Clip8RoundNonNegative(vIn * (1.0 - fs * (1.0 - f)));
        byte v = vIn;
        return (i % 6) switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

    // hsv2rgb's per-byte terms, computed once with its exact expressions.
    private static readonly int[] HueSector = Enumerable.Range(0, 256).Select(h => (int)Math.Floor((float)h * 6.0 / 255.0)).ToArray();
    private static readonly float[] HueFraction = Enumerable.Range(0, 256).Select(h => (float)((float)h * 6.0 / 255.0 - HueSector[h])).ToArray();
    private static readonly float[] SatFraction = Enumerable.Range(0, 256).Select(s => (float)(s / 255.0)).ToArray();

    // Round half away from zero for v >= 0 (v <= 255·1: v + 0.5 is exact), then clip.
    private static byte Clip8RoundNonNegative(double v)
    {
        int r = (int)(v + 0.5);
        return r >= 255 ? (byte)255 : (byte)r;
    }

    private static byte Clip8Truncate(double v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)v;
}
