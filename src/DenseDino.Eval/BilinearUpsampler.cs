namespace DenseDino.Eval;

/// <summary>
/// torch F.interpolate(mode="bilinear", align_corners=False) from an h×w grid to H×W, as
/// separable per-axis taps: src = (dst + 0.5)·in/out − 0.5, clamped at 0; i1 = min(i0 + 1, in − 1).
/// Used on probe logits: bilinear upsampling is linear and the 1×1 conv is per pixel, so
/// upsample(conv(features)) = conv(upsample(features)) with D/C times less work.
/// </summary>
public sealed class BilinearUpsampler
{
    public BilinearUpsampler(int inHeight, int inWidth, int outHeight, int outWidth)
    {
        if (inHeight <= 0 || inWidth <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"BilinearUpsampler: sizes {inHeight}x{inWidth} -> {outHeight}x{outWidth} must be positive");
        (InHeight, InWidth, OutHeight, OutWidth) = (inHeight, inWidth, outHeight, outWidth);
        Y = Axis(inHeight, outHeight);
        X = Axis(inWidth, outWidth);
    }

    public int InHeight { get; }
    public int InWidth { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    internal (int I0, int I1, float W1)[] Y { get; }
    internal (int I0, int I1, float W1)[] X { get; }

    /// <summary>
    /// The four source cells (row-major indices into h·w) and weights of output pixel (oy, ox).
    /// </summary>
    public void Taps(int oy, int ox, Span<int> index, Span<float> weight)
    {
        var (y0, y1, wy) = Y[oy];
        var (x0, x1, wx) = X[ox];
        index[0] = y0 * InWidth + x0; weight[0] = (1 - wy) * (1 - wx);
        index[1] = y0 * InWidth + x1; weight[1] = (1 - wy) * wx;
        index[2] = y1 * InWidth + x0; weight[2] = wy * (1 - wx);
        index[3] = y1 * InWidth + x1; weight[3] = wy * wx;
    }

    /// <summary>src [h·w, C] → [H·W, C].</summary>
    public float[] Upsample(ReadOnlySpan<float> src, int channels)
    {
        if (src.Length != InHeight * InWidth * channels)
            throw new ArgumentException($"BilinearUpsampler: input has {src.Length} values, expected {InHeight}x{InWidth}x{channels}");
        var dst = new float[OutHeight * OutWidth * channels];
        Span<int> idx = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        for (int oy = 0; oy < OutHeight; oy++)
            for (int ox = 0; ox < OutWidth; ox++)
            {
                Taps(oy, ox, idx, w);
                int o = (oy * OutWidth + ox) * channels;
                for (int t = 0; t < 4; t++)
                {
                    if (w[t] == 0) continue;
                    int s = idx[t] * channels;
                    for (int c = 0; c < channels; c++) dst[o + c] += w[t] * src[s + c];
                }
            }
        return dst;
    }

    private static (int, int, float)[] Axis(int input, int output)
    {
        var taps = new (int, int, float)[output];
        double scale = (double)input / output;
        for (int o = 0; o < output; o++)
        {
            double src = Math.Max((o + 0.5) * scale - 0.5, 0);
            int i0 = Math.Min((int)src, input - 1);
            int i1 = Math.Min(i0 + 1, input - 1);
            taps[o] = (i0, i1, (float)(src - i0));
        }
        return taps;
    }
}
