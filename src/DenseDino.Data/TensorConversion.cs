namespace DenseDino.Data;

/// <summary>ToTensor (bytes / 255, HWC -> CHW) followed by Normalize(mean, std).</summary>
public static class TensorConversion
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>[3, H, W] floats; pass <paramref name="normalize"/> = false for plain [0, 1] values.</summary>
    public static float[] ToChw(RgbImage image, bool normalize = true)
    {
        int plane = image.Width * image.Height;
        var dst = new float[3 * plane];
        byte[] src = image.Pixels;
        for (int c = 0; c < 3; c++)
        {
            float mean = normalize ? ImageNetMean[c] : 0f;
            float std = normalize ? ImageNetStd[c] : 1f;
            for (int i = 0; i < plane; i++)
                dst[c * plane + i] = (src[i * 3 + c] / 255f - mean) / std;
        }
        return dst;
    }
}
