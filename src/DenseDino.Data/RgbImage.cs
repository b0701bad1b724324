namespace DenseDino.Data;

/// <summary>An 8-bit RGB image, pixels interleaved row-major: [H, W, 3].</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"RgbImage: size {width}x{height} must be positive");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3))
            throw new ArgumentException($"RgbImage: {width}x{height}x3 needs {width * height * 3} bytes, got {pixels.Length}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public RgbImage(int width, int height) : this(width, height, new byte[Math.Max(0, width) * (long)Math.Max(0, height) * 3]) { }

    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    public byte this[int x, int y, int c] => Pixels[(y * Width + x) * 3 + c];
}
