namespace DenseDino.Data;

/// <summary>Mirror left-right: column x goes to W - 1 - x, which in align_corners=False coordinates is x -> -x.</summary>
public static class HorizontalFlip
{
    public static RgbImage Apply(RgbImage image)
    {
        int w = image.Width, h = image.Height;
        byte[] src = image.Pixels;
        var dst = new byte[src.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int s = (y * w + x) * 3, d = (y * w + (w - 1 - x)) * 3;
                dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2];
            }
        return new RgbImage(w, h, dst);
    }
}
