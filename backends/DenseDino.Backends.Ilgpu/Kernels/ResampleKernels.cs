using ILGPU.Algorithms;

namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Bicubic grid_sample (zeros padding, align_corners=False) and bicubic interpolate, with the
/// semantics of the CPU backend's BicubicGridSample / BicubicInterpolate, in float32.
/// </summary>
public static class ResampleKernels
{
    /// <summary>Unnormalised source coordinate of a grid value (torch's align_corners=False map).</summary>
    private static float Source(float g, int size) => ((g + 1f) * size - 1f) * 0.5f;

    /// <summary>floor(f) as an int, saturated to [−8, size + 8] (beyond that every tap is outside).</summary>
    private static int FloorClamped(float f, int size) => f < -8f ? -8 : f > size + 8 ? size + 8 : (int)f;

    /// <summary>Where one grid point's 4×4 taps start and its fractional offsets; NaN points have no taps.</summary>
    private struct Taps
    {
        public int X0, Y0;
        public float Tx, Ty;
        public bool IsNaN;
    }

    private static Taps Locate(ArrayView<float> grid, long gi, GridArgs p)
    {
        float ix = Source(grid[gi], p.W), iy = Source(grid[gi + 1], p.H);
        var taps = new Taps { IsNaN = XMath.IsNaN(ix) || XMath.IsNaN(iy) };
        if (taps.IsNaN) return taps;
        float fx = XMath.Floor(ix), fy = XMath.Floor(iy);
        taps.Tx = ix - fx;
        taps.Ty = iy - fy;
        taps.X0 = FloorClamped(fx, p.W) - 1;
        taps.Y0 = FloorClamped(fy, p.H) - 1;
        return taps;
    }

    /// <summary>Index of the (x, y) pair in grid [N,Ho,Wo,2] for output element e of [N,C,Ho,Wo].</summary>
    private static long OutputGridIndex(long e, GridArgs p)
    {
        long hw = (long)p.Ho * p.Wo;
        long n = e / hw / p.C;
        return (n * hw + e % hw) * 2;
    }

    /// <summary>output [N,C,Ho,Wo]: one thread per output element, 16 taps.</summary>
    [Kernel]
    public static void GridSample(Index1D e, ArrayView<float> input, ArrayView<float> grid, ArrayView<float> output, GridArgs p)
    {
        var taps = Locate(grid, OutputGridIndex(e, p), p);
        if (taps.IsNaN) { output[e] = float.NaN; return; }
        int x0 = taps.X0, y0 = taps.Y0;
        float tx = taps.Tx, ty = taps.Ty;
        long plane = e / ((long)p.Ho * p.Wo) * p.H * p.W;
        float s = 0f;
        for (int j = 0; j < 4; j++)
        {
            int yy = y0 + j;
            if (yy < 0 || yy >= p.H) continue;
            float wy = DeviceMath.CubicWeight(ty, j);
            for (int i = 0; i < 4; i++)
            {
                int xx = x0 + i;
                if (xx < 0 || xx >= p.W) continue;
                s += DeviceMath.CubicWeight(tx, i) * wy * input[plane + (long)yy * p.W + xx];
            }
        }
        output[e] = s;
    }

    /// <summary>dInput += dOut·weight per tap (dInput zero-filled first; atomics: taps of different outputs collide).</summary>
    [Kernel]
    public static void GridSampleBackwardInput(Index1D e, ArrayView<float> grid, ArrayView<float> dOutput, ArrayView<float> dInput, GridArgs p)
    {
        var taps = Locate(grid, OutputGridIndex(e, p), p);
        if (taps.IsNaN) return;
        int x0 = taps.X0, y0 = taps.Y0;
        float tx = taps.Tx, ty = taps.Ty;
        long plane = e / ((long)p.Ho * p.Wo) * p.H * p.W;
        float g = dOutput[e];
        for (int j = 0; j < 4; j++)
        {
            int yy = y0 + j;
            if (yy < 0 || yy >= p.H) continue;
            float wy = DeviceMath.CubicWeight(ty, j);
            for (int i = 0; i < 4; i++)
            {
                int xx = x0 + i;
                if (xx < 0 || xx >= p.W) continue;
                Atomic.Add(ref dInput[plane + (long)yy * p.W + xx], g * DeviceMath.CubicWeight(tx, i) * wy);
            }
        }
    }

    /// <summary>dGrid [N,Ho,Wo,2]: one thread per grid point, summing over channels and taps.</summary>
    [Kernel]
    public static void GridSampleBackwardGrid(Index1D e, ArrayView<float> input, ArrayView<float> grid, ArrayView<float> dOutput, ArrayView<float> dGrid, GridArgs p)
    {
        long t = e;
        int ox = (int)(t % p.Wo); t /= p.Wo;
        int oy = (int)(t % p.Ho); t /= p.Ho;
        long n = t;
        long gi = (long)e.X * 2;
        var taps = Locate(grid, gi, p);
        if (taps.IsNaN) { dGrid[gi] = float.NaN; dGrid[gi + 1] = float.NaN; return; }
        int x0 = taps.X0, y0 = taps.Y0;
        float tx = taps.Tx, ty = taps.Ty;
        long hw = (long)p.H * p.W, ohw = (long)p.Ho * p.Wo;
        float gx = 0f, gy = 0f;
        for (int c = 0; c < p.C; c++)
        {
            long plane = (n * p.C + c) * hw;
            float gOut = dOutput[(n * p.C + c) * ohw + (long)oy * p.Wo + ox];
            float sx = 0f, sy = 0f;
            for (int j = 0; j < 4; j++)
            {
                int yy = y0 + j;
                if (yy < 0 || yy >= p.H) continue;
                float wy = DeviceMath.CubicWeight(ty, j), dwy = DeviceMath.CubicWeightGrad(ty, j);
                for (int i = 0; i < 4; i++)
                {
                    int xx = x0 + i;
                    if (xx < 0 || xx >= p.W) continue;
                    float v = input[plane + (long)yy * p.W + xx];
                    sx += v * DeviceMath.CubicWeightGrad(tx, i) * wy;
                    sy += v * DeviceMath.CubicWeight(tx, i) * dwy;
                }
            }
            gx += gOut * sx;
            gy += gOut * sy;
        }
        dGrid[gi] = 0.5f * p.W * gx;
        dGrid[gi + 1] = 0.5f * p.H * gy;
    }

    /// <summary>
    /// Bicubic interpolate forward, one thread per output. Tap tables (4 clamped indices and 4
    /// weights per output column/row) are computed on the host exactly as the CPU backend does.
    /// </summary>
    [Kernel]
    public static void Interpolate(Index1D e, ArrayView<float> input, ArrayView<float> output, ArrayView<int> ix, ArrayView<float> wx,
        ArrayView<int> iy, ArrayView<float> wy, GridArgs p)
    {
        long t = e;
        int ox = (int)(t % p.Wo); t /= p.Wo;
        int oy = (int)(t % p.Ho); t /= p.Ho;
        long plane = t * p.H * p.W;
        float s = 0f;
        for (int j = 0; j < 4; j++)
        {
            long rowOff = plane + (long)iy[4 * oy + j] * p.W;
            float r = 0f;
            for (int i = 0; i < 4; i++) r += wx[4 * ox + i] * input[rowOff + ix[4 * ox + i]];
            s += wy[4 * oy + j] * r;
        }
        output[e] = s;
    }

    /// <summary>dInput += dOut scattered through the same clamped taps (zero-filled first; atomics).</summary>
    [Kernel]
    public static void InterpolateBackward(Index1D e, ArrayView<float> dOutput, ArrayView<float> dInput, ArrayView<int> ix, ArrayView<float> wx,
        ArrayView<int> iy, ArrayView<float> wy, GridArgs p)
    {
        long t = e;
        int ox = (int)(t % p.Wo); t /= p.Wo;
        int oy = (int)(t % p.Ho); t /= p.Ho;
        long plane = t * p.H * p.W;
        float g = dOutput[e];
        for (int j = 0; j < 4; j++)
        {
            long rowOff = plane + (long)iy[4 * oy + j] * p.W;
            float gy = g * wy[4 * oy + j];
            for (int i = 0; i < 4; i++) Atomic.Add(ref dInput[rowOff + ix[4 * ox + i]], gy * wx[4 * ox + i]);
        }
    }
}
