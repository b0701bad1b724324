using System.Buffers;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// <c>F.interpolate(input, mode='bicubic', align_corners=False)</c> for NCHW float32, forward and
/// backward, with PyTorch (ATen UpSampleBicubic2d / UpSample.h) semantics:
/// <list type="bullet">
/// <item>scale = 1 / scale_factor when the caller gave scale_factor (scaleH/scaleW &gt; 0;
///   recompute_scale_factor=None), else in / out (area_pixel_compute_scale).</item>
/// <item>real = scale * (dst + 0.5) - 0.5, NOT clamped at 0 for cubic
///   (area_pixel_compute_source_index(..., cubic=true)); index = min(floor(real), in - 1),
///   t = clamp(real - index, 0, 1) (guard_index_and_lambda).</item>
/// <item>taps index-1 .. index+2, each clamped to [0, in - 1] (border replicate,
///   upsample_get_value_bounded), Keys cubic weights with A = -0.75.</item>
/// <item>Backward scatters dOut through the same clamped taps (taps that clamp onto one index
///   accumulate). Torch quirk kept on purpose: when the input and output sizes are equal the
///   backward is a plain copy (upsample_bicubic2d_backward_kernel's "same size" shortcut) even if a
///   scale_factor != 1 made the forward a real resampling; the forward has no such shortcut.</item>
/// </list>
/// Coordinates, weights and sums are float64; results are rounded to float32 when stored.
/// </summary>
internal static class BicubicInterpolate
{
    /// <summary>Per output coordinate: 4 clamped source indices and 4 weights.</summary>
    private static void Taps(int inSize, int outSize, double scaleFactor, int[] idx, double[] wt)
    {
        double scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            double real = scale * (o + 0.5) - 0.5;
            double f = Math.Floor(real);
            int index = f > inSize - 1 ? inSize - 1 : f < -8 ? -8 : (int)f;
            double t = Math.Clamp(real - index, 0.0, 1.0);
            BicubicGridSample.CubicWeights(t, out wt[4 * o], out wt[4 * o + 1], out wt[4 * o + 2], out wt[4 * o + 3]);
            for (int k = 0; k < 4; k++) idx[4 * o + k] = Math.Clamp(index - 1 + k, 0, inSize - 1);
        }
    }

    private static void Check(int inLen, int outLen, int n, int c, int h, int w, int ho, int wo, string what)
    {
        if (n < 0 || c < 0 || h <= 0 || w <= 0 || ho <= 0 || wo <= 0)
            throw new ArgumentException($"interpolate: bad sizes n={n} c={c} h={h} w={w} ho={ho} wo={wo}");
        if (inLen != (long)n * c * h * w)
            throw new ArgumentException($"interpolate: {what} input-side tensor has {inLen} elements, expected {(long)n * c * h * w}");
        if (outLen != (long)n * c * ho * wo)
            throw new ArgumentException($"interpolate: {what} output-side tensor has {outLen} elements, expected {(long)n * c * ho * wo}");
    }

    /// <summary>output[N, C, Ho, Wo] = interpolate(input[N, C, H, W]).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> input, Span<float> output, int n, int c, int h, int w,
        int ho, int wo, double scaleH, double scaleW, int threads)
    {
        Check(input.Length, output.Length, n, c, h, w, ho, wo, "forward");
        if (output.Length == 0) return;
        int[] ix = new int[4 * wo], iy = new int[4 * ho];
        double[] wx = new double[4 * wo], wy = new double[4 * ho];
        Taps(w, wo, scaleW, ix, wx);
        Taps(h, ho, scaleH, iy, wy);

        fixed (float* pInF = input, pOutF = output)
        {
            float* pIn = pInF, pOut = pOutF;
            int plane = h * w;
            // Threads split the N * C * Ho output rows; each output element has one writer.
            // Separable: the four source rows are first blended with the y weights into a float64
            // row (W values), then the x taps read that row.
            CpuParallel.ForRange(n * c * ho, threads, (long)wo * 16 + w * 8, (start, end) =>
            {
                double[] tmp = ArrayPool<double>.Shared.Rent(w);
                try
                {
                    for (int r = start; r < end; r++)
                    {
                        int pl = r / ho, oy = r % ho;
                        float* src = pIn + (long)pl * plane;
                        float* dst = pOut + (long)r * wo;
                        float* r0 = src + iy[4 * oy] * w, r1 = src + iy[4 * oy + 1] * w;
                        float* r2 = src + iy[4 * oy + 2] * w, r3 = src + iy[4 * oy + 3] * w;
                        double v0 = wy[4 * oy], v1 = wy[4 * oy + 1], v2 = wy[4 * oy + 2], v3 = wy[4 * oy + 3];
                        for (int x = 0; x < w; x++) tmp[x] = v0 * r0[x] + v1 * r1[x] + v2 * r2[x] + v3 * r3[x];
                        for (int ox = 0; ox < wo; ox++)
                        {
                            int b = 4 * ox;
                            dst[ox] = (float)(wx[b] * tmp[ix[b]] + wx[b + 1] * tmp[ix[b + 1]]
                                            + wx[b + 2] * tmp[ix[b + 2]] + wx[b + 3] * tmp[ix[b + 3]]);
                        }
                    }
                }
                finally { ArrayPool<double>.Shared.Return(tmp); }
            });
        }
    }

    /// <summary>dInput[N, C, H, W] (overwritten) = gradient of sum(output * dOutput).</summary>
    public static unsafe void Backward(ReadOnlySpan<float> dOutput, Span<float> dInput, int n, int c, int h, int w,
        int ho, int wo, double scaleH, double scaleW, int threads)
    {
        Check(dInput.Length, dOutput.Length, n, c, h, w, ho, wo, "backward");
        if (dInput.Length == 0) return;
        if (h == ho && w == wo)
        {
            // torch 1.13 upsample_bicubic2d_backward_kernel: "Special case: input/output same size, just copy"
            // (regardless of scale_factor; see the class comment).
            dOutput.CopyTo(dInput);
            return;
        }
        int[] ix = new int[4 * wo], iy = new int[4 * ho];
        double[] wx = new double[4 * wo], wy = new double[4 * ho];
        Taps(w, wo, scaleW, ix, wx);
        Taps(h, ho, scaleH, iy, wy);

        fixed (float* pDOutF = dOutput, pDInF = dInput)
        {
            float* pDOut = pDOutF, pDIn = pDInF;
            int plane = h * w, oPlane = ho * wo;
            // Threads split the N * C planes; a worker owns whole dInput planes (no races) and
            // accumulates each in a float64 scratch plane, in an order independent of the split.
            CpuParallel.ForRange(n * c, threads, (long)oPlane * 40 + plane, (start, end) =>
            {
                double[] acc = ArrayPool<double>.Shared.Rent(plane);
                double[] tmp = ArrayPool<double>.Shared.Rent(w);
                try
                {
                    for (int pl = start; pl < end; pl++)
                    {
                        Array.Clear(acc, 0, plane);
                        float* go = pDOut + (long)pl * oPlane;
                        for (int oy = 0; oy < ho; oy++)
                        {
                            // Separable: scatter the output row through the x taps into a W-wide row,
                            // then add that row into the four (clamped) source rows with the y weights.
                            Array.Clear(tmp, 0, w);
                            float* gr = go + (long)oy * wo;
                            for (int ox = 0; ox < wo; ox++)
                            {
                                double g = gr[ox];
                                int b = 4 * ox;
                                tmp[ix[b]] += g * wx[b];
                                tmp[ix[b + 1]] += g * wx[b + 1];
                                tmp[ix[b + 2]] += g * wx[b + 2];
                                tmp[ix[b + 3]] += g * wx[b + 3];
                            }
                            for (int j = 0; j < 4; j++)
                            {
                                double vy = wy[4 * oy + j];
                                int rowOff = iy[4 * oy + j] * w;
                                for (int x = 0; x < w; x++) acc[rowOff + x] += vy * tmp[x];
                            }
                        }
                        float* dst = pDIn + (long)pl * plane;
                        for (int i = 0; i < plane; i++) dst[i] = (float)acc[i];
                    }
                }
                finally
                {
                    ArrayPool<double>.Shared.Return(tmp);
                    ArrayPool<double>.Shared.Return(acc);
                }
            });
        }
    }
}
