using StbImageSharp;

namespace DenseDino.Data;

/// <summary>
/// Decodes JPEG / PNG / BMP files to 8-bit RGB (greyscale expanded, alpha dropped, like PIL's convert("RGB")).
/// Safe to call from several threads: StbImageSharp's mutable statics are only load flags we never set,
/// an allocation counter and the last failure message (which may then name another thread's failure).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest accepted side; larger headers are treated as corrupt rather than allocated.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest accepted pixel count (64 Mpx, 192 MB as RGB).</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    public static readonly IReadOnlyList<string> Extensions = [".jpg", ".jpeg", ".png", ".bmp"];

    public static bool IsImagePath(string path)
    {
        string ext = Path.GetExtension(path);
        foreach (string e in Extensions)
            if (string.Equals(ext, e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Reads and decodes one file; throws <see cref="InvalidDataException"/> naming the file when it is corrupt.</summary>
    public static RgbImage Decode(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return Decode(bytes, path);
    }

    /// <summary>Decodes bytes; <paramref name="name"/> only labels errors.</summary>
    public static RgbImage Decode(byte[] bytes, string name)
    {
        // Before any stb call: stb_image decodes a truncated JPEG without complaint (grey bottom
        // rows), and its header reader can spin on a few bytes of a JPEG start with no segments.
        if (LooksLikeJpeg(bytes) && JpegStructure.Problem(bytes) is { } problem)
            throw new InvalidDataException($"{name}: corrupt JPEG: {problem}");
        ImageInfo? info;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{name}: unreadable image header ({e.Message})", e);
        }
        if (info is null)
            throw new InvalidDataException($"{name}: unrecognised or invalid header (not a JPEG, PNG or BMP, or over stb_image's size limit)");
        int w = info.Value.Width, h = info.Value.Height;
        // Checked before decoding so a forged header cannot make us allocate gigabytes.
        if (w <= 0 || h <= 0 || w > MaxSide || h > MaxSide || (long)w * h > MaxPixels)
            throw new InvalidDataException($"{name}: header says {w}x{h} pixels, outside 1..{MaxSide} per side and {MaxPixels} in all");

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{name}: corrupt image data ({e.Message})", e);
        }
        if (result?.Data is null || result.Width != w || result.Height != h || result.Data.Length != w * h * 3)
            throw new InvalidDataException($"{name}: decoder returned no or inconsistent pixels");
        return new RgbImage(w, h, result.Data);
    }

    private static bool LooksLikeJpeg(byte[] b) => b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}
