using DenseDino.Data;
using StbImageWriteSharp;

namespace DenseDino.Eval;

/// <summary>RGB PNG output (StbImageWriteSharp), creating the folder.</summary>
public static class PngWriter
{
    public static void Write(string path, RgbImage image) => Write(path, image.Pixels, image.Width, image.Height);

    public static void Write(string path, byte[] rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"PngWriter: {width}x{height} RGB needs {width * height * 3} bytes, got {rgb.Length}");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        new ImageWriter().WritePng(rgb, width, height, ColorComponents.RedGreenBlue, stream);
    }

    /// <summary>Nearest-neighbour enlargement of an RGB grid by an integer factor (one cell → factor² pixels).</summary>
    public static RgbImage Enlarge(byte[] rgb, int width, int height, int factor)
    {
        var dst = new byte[width * factor * height * factor * 3];
        int ow = width * factor;
        for (int y = 0; y < height * factor; y++)
            for (int x = 0; x < ow; x++)
            {
                int s = ((y / factor) * width + x / factor) * 3, o = (y * ow + x) * 3;
                dst[o] = rgb[s]; dst[o + 1] = rgb[s + 1]; dst[o + 2] = rgb[s + 2];
            }
        return new RgbImage(ow, height * factor, dst);
    }
}
