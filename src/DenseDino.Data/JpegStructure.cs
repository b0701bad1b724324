namespace DenseDino.Data;

/// <summary>
/// Walks a JPEG's marker segments up to the start of scan before stb_image sees it: stb's
/// header reader can spin forever on a segment whose length runs past the end of the data.
/// </summary>
internal static class JpegStructure
{
    /// <summary>Null when the segments up to SOS are well-formed and EOI is present; else why not.</summary>
    public static string? Problem(byte[] b)
    {
        int n = b.Length, i = 2; // after SOI (FF D8)
        while (true)
        {
            if (i >= n) return "ends before the image data";
            if (b[i] != 0xFF) return $"expected a marker at byte {i}";
            while (i < n && b[i] == 0xFF) i++; // fill bytes
            if (i >= n) return "ends inside a marker";
            byte marker = b[i++];
            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD8) continue; // markers without a length
            if (marker == 0xD9) return "end-of-image marker before any image data";
            if (i + 2 > n) return "ends inside a segment length";
            int length = (b[i] << 8) | b[i + 1];
            if (length < 2 || i + length > n) return $"segment 0xFF{marker:X2} at byte {i - 2} claims {length} bytes past the end of the file";
            if (marker == 0xDA) break; // start of scan: entropy-coded data follows
            i += length;
        }
        return HasEndMarker(b) ? null : "truncated (no end-of-image marker)";
    }

    // Some writers pad after EOI, so look for FF D9 in the last kilobyte rather than only the last two bytes.
    private static bool HasEndMarker(byte[] b)
    {
        int start = Math.Max(2, b.Length - 1024);
        for (int i = b.Length - 2; i >= start; i--)
            if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
        return false;
    }
}
