namespace DenseDino.Data;

/// <summary>Mirror left-right: column x goes to W - 1 - x, which in align_corners=False coordinates is x -> -x.</summary>
public static class HorizontalFlip
{
    public static unsafe RgbImage Apply(RgbImage image)
    {
        int w = image.Width, h = image.Height;
        byte[] src = image.Pixels;
        var dst = new byte[src.Length];
        fixed (byte* ps = src, pd = dst)
            for (int y = 0; y < h; y++)
            {
                byte* s = ps + (long)y * w * 3, d = pd + ((long)y * w + w - 1) * 3;
                for (int x = 0; x < w; x++, s += 3, d -= 3)
                {
                    *(ushort*)d = *(ushort*)s;   // a pixel as two bytes and one, without bounds checks
                    d[2] = s[2];
                }
            }
        return new RgbImage(w, h, dst);
    }
}
