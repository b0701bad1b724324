using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseDino.Data;

/// <summary>
/// Eight packed RGB pixels to three int vectors and back (AVX2), for the colour ops that vectorise per pixel.
/// A load reads 28 bytes from the first pixel (two 16-byte loads, 12 apart); a store writes 24.
/// </summary>
internal static unsafe class PixelVectors
{
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Bytes a load reads from its first pixel: a step may start where at least this many are left.</summary>
    public const int LoadBytes = 28;

    // Four packed RGB pixels (12 bytes) into r0-3 | g0-3 | b0-3 | zeros.
    private static readonly Vector128<byte> Planar = Vector128.Create((byte)0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 0x80, 0x80, 0x80, 0x80);
    // From [r0-7 g0-7] and [b0-7 ...] back to packed r g b: bytes 0-15, then 16-23 (0x80 writes zero).
    private static readonly Vector128<byte> RgLow = Vector128.Create((byte)0, 8, 0x80, 1, 9, 0x80, 2, 10, 0x80, 3, 11, 0x80, 4, 12, 0x80, 5);
    private static readonly Vector128<byte> BLow = Vector128.Create((byte)0x80, 0x80, 0, 0x80, 0x80, 1, 0x80, 0x80, 2, 0x80, 0x80, 3, 0x80, 0x80, 4, 0x80);
    private static readonly Vector128<byte> RgHigh = Vector128.Create((byte)13, 0x80, 6, 14, 0x80, 7, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> BHigh = Vector128.Create((byte)0x80, 5, 0x80, 0x80, 6, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);

    /// <summary>Pixels p[0..8) as r, g, b in 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> R, Vector256<int> G, Vector256<int> B) Load(byte* p)
    {
        var s0 = Ssse3.Shuffle(Sse2.LoadVector128(p), Planar).AsInt32();
        var s1 = Ssse3.Shuffle(Sse2.LoadVector128(p + 12), Planar).AsInt32();
        var rg = Sse2.UnpackLow(s0, s1).AsByte();       // r0-7 g0-7
        var bx = Sse2.UnpackHigh(s0, s1).AsByte();      // b0-7, zeros
        return (Avx2.ConvertToVector256Int32(rg), Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(rg, 8)), Avx2.ConvertToVector256Int32(bx));
    }

    /// <summary>Writes eight pixels (channels in 0..255) packed to d[0..24).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* d, Vector256<int> r, Vector256<int> g, Vector256<int> b)
    {
        var rg = Sse2.PackUnsignedSaturate(Pack16(r), Pack16(g));   // r0-7 g0-7
        var bb = Sse2.PackUnsignedSaturate(Pack16(b), Pack16(b));   // b0-7 b0-7
        Sse2.Store(d, Ssse3.Shuffle(rg, RgLow) | Ssse3.Shuffle(bb, BLow));
        *(ulong*)(d + 16) = (Ssse3.Shuffle(rg, RgHigh) | Ssse3.Shuffle(bb, BHigh)).AsUInt64().ToScalar();
    }

    /// <summary><see cref="PilColor.Luma"/> of eight pixels: the same 16-bit fixed-point sum, exact in int lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Luma(Vector256<int> r, Vector256<int> g, Vector256<int> b) =>
        Avx2.ShiftRightLogical(r * 19595 + g * 38470 + b * 7471 + Vector256.Create(0x8000), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Pack16(Vector256<int> x) => Sse41.PackUnsignedSaturate(x.GetLower(), x.GetUpper()).AsInt16();
}
