using System.Runtime.InteropServices;

namespace DenseDino.Numerics;

/// <summary>
/// 8-bit RGB images carried in a float tensor, 4 bytes per element, for <see cref="IBackend.PixelsToChw"/>:
/// a quarter of the float images' bytes crosses to the device, and the loader skips the conversion.
/// </summary>
public static class PixelPacking
{
    /// <summary>Elements one image of <paramref name="height"/> x <paramref name="width"/> RGB pixels takes (its bytes rounded up to whole elements).</summary>
    public static long FloatsPerImage(int height, int width) => (3L * height * width + 3) / 4;

    /// <summary>
    /// images [N, 3, H, W] from N images of H·W·3 bytes each (pixel-major RGB), through <paramref name="lut"/> [3, 256]
    /// (per channel, the float each byte value becomes). The bytes are uploaded as they are; the backend converts.
    /// </summary>
    public static Tensor ToImages(IBackend backend, IReadOnlyList<byte[]> pixels, int height, int width, Tensor lut)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"PixelsToChw: image size {height} x {width} must be positive");
        if (!ReferenceEquals(lut.Backend, backend)) throw new ArgumentException($"PixelsToChw: lut is on {lut.Backend.Name}, the images go to {backend.Name}");
        if (lut.Shape != new Shape(3, 256)) throw new ArgumentException($"PixelsToChw: lut has shape {lut.Shape}, expected [3, 256]");
        int bytes = 3 * height * width;
        long per = FloatsPerImage(height, width);
        if (pixels.Count * per > int.MaxValue) throw new ArgumentException($"PixelsToChw: {pixels.Count} images of {height} x {width} exceed one tensor's 2^31 elements");
        using var packed = Tensor.Empty(backend, [(int)(pixels.Count * per)]);
        Span<byte> tail = stackalloc byte[4];   // an image's last 1-3 bytes, zero-padded to one element
        for (int i = 0; i < pixels.Count; i++)
        {
            byte[] image = pixels[i];
            if (image.Length != bytes)
                throw new ArgumentException($"PixelsToChw: image {i} has {image.Length} bytes, expected {height} x {width} x 3 = {bytes}");
            int whole = bytes / 4;
            packed.CopyFrom(MemoryMarshal.Cast<byte, float>(image.AsSpan(0, whole * 4)), i * per);
            if (whole < per)
            {
                tail.Clear();
                image.AsSpan(whole * 4).CopyTo(tail);
                packed.CopyFrom(MemoryMarshal.Cast<byte, float>(tail), i * per + whole);
            }
        }
        var images = Tensor.Empty(backend, [pixels.Count, 3, height, width]);
        if (pixels.Count > 0) backend.PixelsToChw(packed, lut, images);
        return images;
    }
}
