using System.Buffers;
using System.Runtime.CompilerServices;

namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>
/// <c>F.grid_sample(input, grid, mode='bicubic', padding_mode='zeros', align_corners=False)</c>
/// for NCHW float32, forward and backward, with PyTorch (ATen GridSampler) semantics:
/// <list type="bullet">
/// <item>ix = ((x + 1) * W - 1) / 2, iy likewise (unnormalise; the coordinate is NOT clipped: for
///   bicubic torch applies the padding per tap, in get_value_bounded).</item>
/// <item>ix_nw = floor(ix), tx = ix - ix_nw; taps ix_nw-1 .. ix_nw+2 (same in y) weighted with Keys'
///   cubic convolution (A = -0.75, torch's get_cubic_upsample_coefficients).</item>
/// <item>zeros padding: a tap outside [0, W) x [0, H) reads 0 (and receives no gradient).</item>
/// <item>grad_grid = (W/2, H/2) * sum over channels and taps of dOut * value * d(weight)/d(ix | iy),
///   torch's get_cubic_coefficients_grad, computed for points outside the image too.</item>
/// </list>
/// Coordinates, weights and sums are in float64 (more accurate than torch's float CPU path, which
/// agrees with it to float32 rounding); results are rounded to float32 once, when stored.
/// A grid point with a NaN coordinate gives NaN output and NaN grad_grid (as torch does) and sends
/// no gradient to the input.
/// </summary>
internal static class BicubicGridSample
{
    private const double A = -0.75;

    /// <summary>The (at most 16) in-bounds taps of one grid point.</summary>
    private struct Taps
    {
        public int Count;           // number of valid taps; -1 marks a NaN coordinate
        public Offsets Offset;      // y * W + x of each valid tap
        public Weights Weight;      // wx[i] * wy[j]
        public Weights DWx;         // dwx[i]/dtx * wy[j]  (grid gradient, x)
        public Weights DWy;         // wx[i] * dwy[j]/dty  (grid gradient, y)
    }

    [InlineArray(16)] private struct Offsets { private int _e; }
    [InlineArray(16)] private struct Weights { private double _e; }

    /// <summary>Keys cubic weights of taps -1, 0, +1, +2 for fraction t (torch get_cubic_upsample_coefficients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CubicWeights(double t, out double w0, out double w1, out double w2, out double w3)
    {
        double x0 = t + 1, x1 = t, x2 = 1 - t, x3 = 2 - t;
        w0 = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;     // cubic_convolution2, 1 < x < 2
        w1 = ((A + 2) * x1 - (A + 3)) * x1 * x1 + 1;           // cubic_convolution1, x <= 1
        w2 = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
        w3 = ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A;
    }

    /// <summary>d(weight)/dt of the four taps (= -get_cubic_coefficients_grad: torch subtracts it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CubicWeightsGrad(double t, out double d0, out double d1, out double d2, out double d3)
    {
        double x0 = t + 1, x1 = t, x2 = 1 - t, x3 = 2 - t;
        d0 = (3 * A * x0 - 10 * A) * x0 + 8 * A;
        d1 = (3 * (A + 2) * x1 - 2 * (A + 3)) * x1;
        d2 = -((3 * (A + 2) * x2 - 2 * (A + 3)) * x2);
        d3 = -((3 * A * x3 - 10 * A) * x3 + 8 * A);
    }

    /// <summary>An already floored <paramref name="f"/> as an int, saturated to [-8, size + 8] (beyond that all taps are outside anyway).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FloorClamped(double f, int size) => f < -8 ? -8 : f > size + 8 ? size + 8 : (int)f;

    private static void ComputeTaps(float gx, float gy, int h, int w, bool grads, ref Taps taps)
    {
        double ix = ((gx + 1.0) * w - 1.0) / 2.0;
        double iy = ((gy + 1.0) * h - 1.0) / 2.0;
        if (double.IsNaN(ix) || double.IsNaN(iy)) { taps.Count = -1; return; }
        double fx = Math.Floor(ix), fy = Math.Floor(iy);
        double tx = ix - fx, ty = iy - fy;
        int x0 = FloorClamped(fx, w) - 1, y0 = FloorClamped(fy, h) - 1;

        Span<double> wx = stackalloc double[4], wy = stackalloc double[4];
        Span<double> dx = stackalloc double[4], dy = stackalloc double[4];
        CubicWeights(tx, out wx[0], out wx[1], out wx[2], out wx[3]);
        CubicWeights(ty, out wy[0], out wy[1], out wy[2], out wy[3]);
        if (grads)
        {
            CubicWeightsGrad(tx, out dx[0], out dx[1], out dx[2], out dx[3]);
            CubicWeightsGrad(ty, out dy[0], out dy[1], out dy[2], out dy[3]);
        }

        int k = 0;
        for (int j = 0; j < 4; j++)
        {
            int yy = y0 + j;
            if ((uint)yy >= (uint)h) continue;
            for (int i = 0; i < 4; i++)
            {
                int xx = x0 + i;
                if ((uint)xx >= (uint)w) continue;
                taps.Offset[k] = yy * w + xx;
                taps.Weight[k] = wx[i] * wy[j];
                if (grads)
                {
                    taps.DWx[k] = dx[i] * wy[j];
                    taps.DWy[k] = wx[i] * dy[j];
                }
                k++;
            }
        }
        taps.Count = k;
    }

    private static void CheckSizes(int inputLen, int gridLen, int n, int c, int h, int w, int ho, int wo)
    {
        if (n < 0 || c < 0 || h <= 0 || w <= 0 || ho < 0 || wo < 0)
            throw new ArgumentException($"grid_sample: bad sizes n={n} c={c} h={h} w={w} ho={ho} wo={wo}");
        if (inputLen != (long)n * c * h * w)
            throw new ArgumentException($"grid_sample: input has {inputLen} elements, expected {(long)n * c * h * w}");
        if (gridLen != (long)n * ho * wo * 2)
            throw new ArgumentException($"grid_sample: grid has {gridLen} elements, expected {(long)n * ho * wo * 2}");
    }

    /// <summary>output[N, C, Ho, Wo] = grid_sample(input[N, C, H, W], grid[N, Ho, Wo, 2]).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> grid, Span<float> output,
        int n, int c, int h, int w, int ho, int wo, int threads)
    {
        CheckSizes(input.Length, grid.Length, n, c, h, w, ho, wo);
        if (output.Length != (long)n * c * ho * wo)
            throw new ArgumentException($"grid_sample: output has {output.Length} elements, expected {(long)n * c * ho * wo}");
        if (output.Length == 0) return;

        fixed (float* pInF = input, pGridF = grid, pOutF = output)
        {
            float* pIn = pInF, pGrid = pGridF, pOut = pOutF;
            int plane = h * w, oPlane = ho * wo;
            // Threads split the N * Ho output rows: a worker computes the taps of one output row
            // once, then writes that row of every channel. Each output element has one writer.
            CpuParallel.ForRange(n * ho, threads, (long)wo * c * 32 + wo * 64, (start, end) =>
            {
                Taps[] row = ArrayPool<Taps>.Shared.Rent(wo);
                try
                {
                    for (int r = start; r < end; r++)
                    {
                        int b = r / ho, oy = r % ho;
                        float* g = pGrid + (long)r * wo * 2;
                        for (int ox = 0; ox < wo; ox++)
                            ComputeTaps(g[2 * ox], g[2 * ox + 1], h, w, grads: false, ref row[ox]);

                        for (int ch = 0; ch < c; ch++)
                        {
                            float* src = pIn + ((long)b * c + ch) * plane;
                            float* dst = pOut + ((long)b * c + ch) * oPlane + (long)oy * wo;
                            for (int ox = 0; ox < wo; ox++)
                            {
                                ref Taps t = ref row[ox];
                                if (t.Count < 0) { dst[ox] = float.NaN; continue; }
                                double s = 0;
                                for (int k = 0; k < t.Count; k++) s += t.Weight[k] * src[t.Offset[k]];
                                dst[ox] = (float)s;
                            }
                        }
                    }
                }
                finally { ArrayPool<Taps>.Shared.Return(row); }
            });
        }
    }

    /// <summary>
    /// Gradients of loss = sum(output * dOutput). dInput [N, C, H, W] and dGrid [N, Ho, Wo, 2] are
    /// overwritten; pass an empty span for one that is not needed.
    /// </summary>
    public static unsafe void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> grid, ReadOnlySpan<float> dOutput,
        Span<float> dInput, Span<float> dGrid, int n, int c, int h, int w, int ho, int wo, int threads)
    {
        CheckSizes(input.Length, grid.Length, n, c, h, w, ho, wo);
        if (dOutput.Length != (long)n * c * ho * wo)
            throw new ArgumentException($"grid_sample: dOutput has {dOutput.Length} elements, expected {(long)n * c * ho * wo}");
        bool wantInput = dInput.Length != 0, wantGrid = dGrid.Length != 0;
        if (wantInput && dInput.Length != input.Length)
            throw new ArgumentException($"grid_sample: dInput has {dInput.Length} elements, expected {input.Length}");
        if (wantGrid && dGrid.Length != grid.Length)
            throw new ArgumentException($"grid_sample: dGrid has {dGrid.Length} elements, expected {grid.Length}");

        int plane = h * w, oPlane = ho * wo;
        fixed (float* pInF = input, pGridF = grid, pDOutF = dOutput, pDInF = dInput, pDGridF = dGrid)
        {
            float* pIn = pInF, pGrid = pGridF, pDOut = pDOutF, pDIn = pDInF, pDGrid = pDGridF;

            if (wantInput)
            {
                // Threads split the N * C input planes (contiguous ranges). A worker owns its planes, so
                // the scatter has no races; it computes each output row's taps once per batch item it
                // touches and scatters that row into each of its planes of that item, accumulating in
                // a float64 scratch plane. The scatter order per plane does not depend on the split.
                // Scratch: at most ~2 MB of float64 per worker; more planes are done in blocks (the taps
                // are then recomputed per block).
                int block = Math.Max(1, 262144 / plane);
                CpuParallel.ForRange(n * c, threads, (long)oPlane * 40 + plane, (start, end) =>
                {
                    Taps[] row = ArrayPool<Taps>.Shared.Rent(Math.Max(wo, 1));
                    int maxBlock = Math.Min(block, end - start);
                    double[] acc = ArrayPool<double>.Shared.Rent(maxBlock * plane);
                    try
                    {
                        int p = start;
                        while (p < end)
                        {
                            int b = p / c;
                            // planes [p, pEnd): same batch item b, at most `block` of them
                            int pEnd = Math.Min(Math.Min(end, (b + 1) * c), p + block);
                            Array.Clear(acc, 0, (pEnd - p) * plane);
                            for (int oy = 0; oy < ho; oy++)
                            {
                                float* g = pGrid + ((long)b * ho + oy) * wo * 2;
                                for (int ox = 0; ox < wo; ox++)
                                    ComputeTaps(g[2 * ox], g[2 * ox + 1], h, w, grads: false, ref row[ox]);
                                for (int q = p; q < pEnd; q++)
                                {
                                    float* go = pDOut + (long)q * oPlane + (long)oy * wo;
                                    Span<double> a = acc.AsSpan((q - p) * plane, plane);
                                    for (int ox = 0; ox < wo; ox++)
                                    {
                                        ref Taps t = ref row[ox];
                                        double gOut = go[ox];
                                        for (int k = 0; k < t.Count; k++) a[t.Offset[k]] += gOut * t.Weight[k];
                                    }
                                }
                            }
                            float* dst = pDIn + (long)p * plane;
                            for (int i = 0; i < (pEnd - p) * plane; i++) dst[i] = (float)acc[i];
                            p = pEnd;
                        }
                    }
                    finally
                    {
                        ArrayPool<double>.Shared.Return(acc);
                        ArrayPool<Taps>.Shared.Return(row);
                    }
                });
            }

            if (wantGrid)
            {
                // Threads split the N * Ho output rows; each grid point's gradient is a sum over its
                // channels and taps written by one worker, so there are no races.
                double multX = w / 2.0, multY = h / 2.0;
                CpuParallel.ForRange(n * ho, threads, (long)wo * c * 64 + wo * 96, (start, end) =>
                {
                    Taps taps = default;
                    for (int r = start; r < end; r++)
                    {
                        int b = r / ho, oy = r % ho;
                        float* g = pGrid + (long)r * wo * 2;
                        float* dg = pDGrid + (long)r * wo * 2;
                        for (int ox = 0; ox < wo; ox++)
                        {
                            ComputeTaps(g[2 * ox], g[2 * ox + 1], h, w, grads: true, ref taps);
                            if (taps.Count < 0) { dg[2 * ox] = float.NaN; dg[2 * ox + 1] = float.NaN; continue; }
                            double gix = 0, giy = 0;
                            for (int ch = 0; ch < c; ch++)
                            {
                                float* src = pIn + ((long)b * c + ch) * plane;
                                double gOut = pDOut[((long)b * c + ch) * oPlane + (long)oy * wo + ox];
                                double sx = 0, sy = 0;
                                for (int k = 0; k < taps.Count; k++)
                                {
                                    double v = src[taps.Offset[k]];
                                    sx += v * taps.DWx[k];
                                    sy += v * taps.DWy[k];
                                }
                                gix += gOut * sx;
                                giy += gOut * sy;
                            }
                            dg[2 * ox] = (float)(multX * gix);
                            dg[2 * ox + 1] = (float)(multY * giy);
                        }
                    }
                });
            }
        }
    }
}
