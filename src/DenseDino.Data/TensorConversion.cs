namespace DenseDino.Data;

/// <summary>ToTensor (bytes / 255, HWC -> CHW) followed by Normalize(mean, std).</summary>
public static class TensorConversion
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    // (b / 255 − mean) / std for every byte b, per channel, computed with the same float
    // operations as the direct formula: a lookup gives identical values without the divisions.
    private static readonly float[][] NormalizedLut = BuildLut(normalize: true), PlainLut = BuildLut(normalize: false);

    private static float[][] BuildLut(bool normalize)
    {
        var luts = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            float mean = normalize ? ImageNetMean[c] : 0f, std = normalize ? ImageNetStd[c] : 1f;
            luts[c] = new float[256];
            for (int b = 0; b < 256; b++) luts[c][b] = (b / 255f - mean) / std;
        }
        return luts;
    }

    /// <summary>[3, H, W] floats; pass <paramref name="normalize"/> = false for plain [0, 1] values.</summary>
    public static float[] ToChw(RgbImage image, bool normalize = true)
    {
        int plane = image.Width * image.Height;
        var dst = GC.AllocateUninitializedArray<float>(3 * plane);   // every element is written below
        byte[] src = image.Pixels;
        var luts = normalize ? NormalizedLut : PlainLut;
        float[] r = luts[0], g = luts[1], b = luts[2];
        var dr = dst.AsSpan(0, plane);
        var dg = dst.AsSpan(plane, plane);
        var db = dst.AsSpan(2 * plane, plane);
        for (int i = 0, j = 0; i < plane; i++, j += 3)
        {
            dr[i] = r[src[j]];
            dg[i] = g[src[j + 1]];
            db[i] = b[src[j + 2]];
        }
        return dst;
    }
}
