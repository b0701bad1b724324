using DenseDino.Data;

namespace DenseDino.Eval;

/// <summary>How an image whose sides are not multiples of the patch size is made into one.</summary>
public enum ResizeMode
{
    /// <summary>
    /// DINO's eval transform: resize the shorter side to <see cref="EvalResize.ShorterSide"/> (bicubic,
    /// longer side = floor(S·long/short) as torchvision), then centre-crop Crop×Crop. For classification.
    /// </summary>
    ShorterSideCenterCrop,
    /// <summary>
    /// Bicubic resize of each side to the nearest multiple of the patch size (at least one patch),
    /// keeping the whole field of view so patch features line up with a mask. For dense tasks.
    /// </summary>
    SnapToPatch,
}

/// <summary>
/// The resize rule of the evaluation transforms. Images whose sides are already multiples of the
/// patch size are used as they are (the ViT interpolates its pos-embed, non-square grids too).
/// DINO's exact eval_knn.py transform is ShorterSide = 256, Crop = 224.
/// </summary>
public sealed record EvalResize(ResizeMode Mode = ResizeMode.ShorterSideCenterCrop, int ShorterSide = 224, int? Crop = null)
{
    public static EvalResize Classification { get; } = new();
    public static EvalResize Dense { get; } = new(ResizeMode.SnapToPatch);

    public int CropSize => Crop ?? ShorterSide;

    /// <summary>The image the backbone sees: sides multiples of <paramref name="patch"/>.</summary>
    public RgbImage Apply(RgbImage image, int patch)
    {
        if (image.Width % patch == 0 && image.Height % patch == 0) return image;
        if (Mode == ResizeMode.SnapToPatch)
        {
            int w = Math.Max(patch, (int)Math.Round((double)image.Width / patch, MidpointRounding.ToEven) * patch);
            int h = Math.Max(patch, (int)Math.Round((double)image.Height / patch, MidpointRounding.ToEven) * patch);
            return BicubicResampler.Resize(image, w, h);
        }
        int crop = CropSize;
        if (ShorterSide <= 0 || crop <= 0 || crop % patch != 0 || crop > ShorterSide)
            throw new ArgumentException($"EvalResize: crop {crop} must be a positive multiple of the patch size {patch} and at most the shorter side {ShorterSide}");
        var (rw, rh) = ShorterSideSize(image.Width, image.Height, ShorterSide);
        var resized = rw == image.Width && rh == image.Height ? image : BicubicResampler.Resize(image, rw, rh);
        // torchvision CenterCrop: offset int(round((size - crop) / 2)), Python's round half to even.
        int x = (int)Math.Round((rw - crop) / 2.0, MidpointRounding.ToEven);
        int y = (int)Math.Round((rh - crop) / 2.0, MidpointRounding.ToEven);
        return CropBoxOf(resized, x, y, crop, crop);
    }

    /// <summary>Copies the box [x, x+w) × [y, y+h) (no resampling).</summary>
    public static RgbImage CropBoxOf(RgbImage image, int x, int y, int w, int h)
    {
        if (x < 0 || y < 0 || x + w > image.Width || y + h > image.Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"EvalResize: crop {x},{y} {w}x{h} outside {image.Width}x{image.Height}");
        var dst = new byte[w * h * 3];
        for (int r = 0; r < h; r++)
            Array.Copy(image.Pixels, ((y + r) * image.Width + x) * 3, dst, r * w * 3, w * 3);
        return new RgbImage(w, h, dst);
    }

    /// <summary>torchvision Resize(int): shorter side = s, longer = int(s · long / short).</summary>
    public static (int Width, int Height) ShorterSideSize(int width, int height, int s)
    {
        if (width <= height) return (s, (int)((long)s * height / width));
        return ((int)((long)s * width / height), s);
    }
}
