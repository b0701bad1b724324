using System.Runtime.Intrinsics;

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

    /// <summary>[3, 256]: the float each byte value of each channel becomes (what ToChw computes), for a backend to convert 8-bit views.</summary>
    public static float[] NormalizationTable(bool normalize = true)
    {
        var luts = normalize ? NormalizedLut : PlainLut;
        return [.. luts[0], .. luts[1], .. luts[2]];
    }

    /// <summary>[3, H, W] floats; pass <paramref name="normalize"/> = false for plain [0, 1] values.</summary>
    public static unsafe float[] ToChw(RgbImage image, bool normalize = true)
    {
        int plane = image.Width * image.Height;
        var dst = GC.AllocateUninitializedArray<float>(3 * plane);   // every element is written below
        byte[] src = image.Pixels;
        var luts = normalize ? NormalizedLut : PlainLut;
        float[] r = luts[0], g = luts[1], b = luts[2];
        int done = 0;
        fixed (byte* ps = src)
        fixed (float* pd = dst)
            if (PixelVectors.IsSupported)
            {
                // Eight pixels per step, (b / 255 − mean) / std in the lookup's float operations (IEEE division
                // rounds the same in a lane), so the values are the lookup's.
                var (meanR, meanG, meanB) = normalize ? (ImageNetMean[0], ImageNetMean[1], ImageNetMean[2]) : (0f, 0f, 0f);
                var (stdR, stdG, stdB) = normalize ? (ImageNetStd[0], ImageNetStd[1], ImageNetStd[2]) : (1f, 1f, 1f);
                for (; (long)done * 3 + PixelVectors.LoadBytes <= src.Length; done += 8)
                {
                    var (vr, vg, vb) = PixelVectors.Load(ps + done * 3);
                    Normalized(vr, meanR, stdR).Store(pd + done);
                    Normalized(vg, meanG, stdG).Store(pd + plane + done);
                    Normalized(vb, meanB, stdB).Store(pd + 2 * plane + done);
                }
            }
        for (int i = done, j = done * 3; i < plane; i++, j += 3)
        {
            dst[i] = r[src[j]];
            dst[plane + i] = g[src[j + 1]];
            dst[2 * plane + i] = b[src[j + 2]];
        }
        return dst;
    }

    private static Vector256<float> Normalized(Vector256<int> bytes, float mean, float std) =>
        (Vector256.ConvertToSingle(bytes) / Vector256.Create(255f) - Vector256.Create(mean)) / Vector256.Create(std);
}
