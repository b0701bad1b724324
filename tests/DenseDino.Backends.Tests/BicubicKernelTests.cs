using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics.Tests.Golden;

namespace DenseDino.Backends.Tests;

/// <summary>
/// BicubicGridSample / BicubicInterpolate against PyTorch goldens (tests/fixtures/ops), against naive
/// float64 oracles written straight from torch's formulas (awkward sizes, poisoned outputs), against
/// finite differences, and threads 1 vs 2.
/// </summary>
public class BicubicKernelTests
{
    private readonly ITestOutputHelper _out;

    public BicubicKernelTests(ITestOutputHelper output) => _out = output;

    // ---------------------------------------------------------------------------------------------
    // helpers

    /// <summary>|a - ref| &lt;= atol + rtol * |ref| elementwise; returns the max abs error.</summary>
    private static double AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        double maxErr = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double err = Math.Abs(a - e);
            if (!(err <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"{what}[{i}]: got {a:R}, expected {e:R} (|err| {err:E3} > {atol} + {rtol}*|ref|)");
            maxErr = Math.Max(maxErr, err);
        }
        return maxErr;
    }

    private static double MaxRel(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        double m = 0;
        for (int i = 0; i < expected.Length; i++)
            m = Math.Max(m, Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1e-3));
        return m;
    }

    private static void AssertBitwise(float[] a, float[] b, string what)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
                Assert.Fail($"{what}[{i}]: {a[i]:R} vs {b[i]:R} (threads 1 vs 2 differ)");
    }

    private static float[] Nan(int len) => Enumerable.Repeat(float.NaN, len).ToArray();

    private static float[] Random(Random rng, int len, double lo = -1, double hi = 1)
    {
        var a = new float[len];
        for (int i = 0; i < len; i++) a[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return a;
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    private static double[] ToDouble(float[] a) => a.Select(v => (double)v).ToArray();

    // ---------------------------------------------------------------------------------------------
    // naive float64 oracles, written from torch's formulas independently of the kernels

    private const double A = -0.75;
    private static double Cc1(double x) => ((A + 2) * x - (A + 3)) * x * x + 1;
    private static double Cc2(double x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    private static double[] Coeffs(double t) => [Cc2(t + 1), Cc1(t), Cc1(1 - t), Cc2(2 - t)];

    /// <summary>torch get_cubic_coefficients_grad (note: minus d/dt; torch subtracts it).</summary>
    private static double[] CoeffsGradTorch(double t)
    {
        double x0 = -1 - t, x1 = -t, x2 = 1 - t, x3 = 2 - t;
        return
        [
            (-3 * A * x0 - 10 * A) * x0 - 8 * A,
            (-3 * (A + 2) * x1 - 2 * (A + 3)) * x1,
            (3 * (A + 2) * x2 - 2 * (A + 3)) * x2,
            (3 * A * x3 - 10 * A) * x3 + 8 * A,
        ];
    }

    private static void GridOracle(float[] input, float[] grid, float[] dOut, int n, int c, int h, int w, int ho, int wo,
        out double[] output, out double[] dInput, out double[] dGrid)
    {
        output = new double[n * c * ho * wo];
        dInput = new double[n * c * h * w];
        dGrid = new double[n * ho * wo * 2];
        for (int b = 0; b < n; b++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            int gi = ((b * ho + oy) * wo + ox) * 2;
            double ix = ((grid[gi] + 1.0) * w - 1) / 2, iy = ((grid[gi + 1] + 1.0) * h - 1) / 2;
            double nwx = Math.Floor(ix), nwy = Math.Floor(iy);
            double tx = ix - nwx, ty = iy - nwy;
            double[] cx = Coeffs(tx), cy = Coeffs(ty), gx = CoeffsGradTorch(tx), gy = CoeffsGradTorch(ty);
            double gix = 0, giy = 0;
            for (int ch = 0; ch < c; ch++)
            {
                int pl = (b * c + ch) * h * w;
                int oi = ((b * c + ch) * ho + oy) * wo + ox;
                double gOut = dOut[oi], s = 0;
                for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    double xx = nwx - 1 + i, yy = nwy - 1 + j;
                    bool inside = xx >= 0 && xx < w && yy >= 0 && yy < h;
                    double v = inside ? input[pl + (int)yy * w + (int)xx] : 0;
                    s += cx[i] * cy[j] * v;
                    if (inside) dInput[pl + (int)yy * w + (int)xx] += gOut * cx[i] * cy[j];
                    gix -= v * gx[i] * cy[j] * gOut;
                    giy -= v * gy[j] * cx[i] * gOut;
                }
                output[oi] = s;
            }
            dGrid[gi] = w / 2.0 * gix;
            dGrid[gi + 1] = h / 2.0 * giy;
        }
    }

    private static void InterpOracle(float[] input, float[] dOut, int n, int c, int h, int w, int ho, int wo, double sh, double sw,
        out double[] output, out double[] dInput)
    {
        output = new double[n * c * ho * wo];
        dInput = new double[n * c * h * w];
        double scaleH = sh > 0 ? 1 / sh : (double)h / ho, scaleW = sw > 0 ? 1 / sw : (double)w / wo;
        for (int p = 0; p < n * c; p++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double ry = scaleH * (oy + 0.5) - 0.5, rx = scaleW * (ox + 0.5) - 0.5;
            double fy = Math.Floor(ry), fx = Math.Floor(rx);
            double[] cy = Coeffs(ry - fy), cx = Coeffs(rx - fx);
            int oi = (p * ho + oy) * wo + ox;
            double s = 0;
            for (int j = 0; j < 4; j++)
            for (int i = 0; i < 4; i++)
            {
                int yy = Math.Clamp((int)fy - 1 + j, 0, h - 1), xx = Math.Clamp((int)fx - 1 + i, 0, w - 1);
                int ii = p * h * w + yy * w + xx;
                s += cy[j] * cx[i] * input[ii];
                dInput[ii] += cy[j] * cx[i] * dOut[oi];
            }
            output[oi] = s;
        }
    }

    // Kernel wrappers: poisoned outputs, threads 1 and 2 must agree bitwise; returns the threads=2 result.

    private static float[] GridForward(float[] input, float[] grid, int n, int c, int h, int w, int ho, int wo)
    {
        var o1 = Nan(n * c * ho * wo);
        var o2 = Nan(n * c * ho * wo);
        BicubicGridSample.Forward(input, grid, o1, n, c, h, w, ho, wo, threads: 1);
        BicubicGridSample.Forward(input, grid, o2, n, c, h, w, ho, wo, threads: 2);
        AssertBitwise(o1, o2, "grid_sample out");
        return o2;
    }

    private static (float[] dIn, float[] dGrid) GridBackward(float[] input, float[] grid, float[] dOut,
        int n, int c, int h, int w, int ho, int wo)
    {
        float[] di1 = Nan(input.Length), dg1 = Nan(grid.Length), di2 = Nan(input.Length), dg2 = Nan(grid.Length);
        BicubicGridSample.Backward(input, grid, dOut, di1, dg1, n, c, h, w, ho, wo, threads: 1);
        BicubicGridSample.Backward(input, grid, dOut, di2, dg2, n, c, h, w, ho, wo, threads: 2);
        AssertBitwise(di1, di2, "grid_sample dInput");
        AssertBitwise(dg1, dg2, "grid_sample dGrid");
        // Each gradient alone (the other span empty) must equal the joint result.
        float[] diOnly = Nan(input.Length), dgOnly = Nan(grid.Length);
        BicubicGridSample.Backward(input, grid, dOut, diOnly, Span<float>.Empty, n, c, h, w, ho, wo, threads: 2);
        BicubicGridSample.Backward(input, grid, dOut, Span<float>.Empty, dgOnly, n, c, h, w, ho, wo, threads: 2);
        AssertBitwise(di2, diOnly, "grid_sample dInput alone");
        AssertBitwise(dg2, dgOnly, "grid_sample dGrid alone");
        return (di2, dg2);
    }

    private static float[] InterpForward(float[] input, int n, int c, int h, int w, int ho, int wo, double sh, double sw)
    {
        var o1 = Nan(n * c * ho * wo);
        var o2 = Nan(n * c * ho * wo);
        BicubicInterpolate.Forward(input, o1, n, c, h, w, ho, wo, sh, sw, threads: 1);
        BicubicInterpolate.Forward(input, o2, n, c, h, w, ho, wo, sh, sw, threads: 2);
        AssertBitwise(o1, o2, "interpolate out");
        return o2;
    }

    private static float[] InterpBackward(float[] dOut, int n, int c, int h, int w, int ho, int wo, double sh, double sw)
    {
        var d1 = Nan(n * c * h * w);
        var d2 = Nan(n * c * h * w);
        BicubicInterpolate.Backward(dOut, d1, n, c, h, w, ho, wo, sh, sw, threads: 1);
        BicubicInterpolate.Backward(dOut, d2, n, c, h, w, ho, wo, sh, sw, threads: 2);
        AssertBitwise(d1, d2, "interpolate dInput");
        return d2;
    }

    // ---------------------------------------------------------------------------------------------
    // PyTorch goldens (float64 references; the kernel works in float32 storage, float64 arithmetic)

    public static TheoryData<string> GridCases => GoldenFile.Cases("grid_sample", "grid_sample_bicubic");
    public static TheoryData<string> InterpCases => GoldenFile.Cases("interpolate", "interpolate_bicubic");

    private const double GoldenAtol = 1e-5, GoldenRtol = 1e-4;

    [Theory]
    [MemberData(nameof(GridCases))]
    public void GridSample_matches_torch(string name)
    {
        var g = GoldenFile.Case("grid_sample", name);
        var input = g.Inputs["input"];
        var grid = g.Inputs["grid"];
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int ho = grid.Shape[1], wo = grid.Shape[2];

        var outp = GridForward(input.Data, grid.Data, n, c, h, w, ho, wo);
        double eOut = AssertClose(g.Outputs["out"].Data64, outp, GoldenAtol, GoldenRtol, $"{name} out");

        var (dIn, dGrid) = GridBackward(input.Data, grid.Data, g.Upstream["out"].Data, n, c, h, w, ho, wo);
        double eIn = AssertClose(g.Grads["input"].Data64, dIn, GoldenAtol, GoldenRtol, $"{name} dInput");
        double eGrid = AssertClose(g.Grads["grid"].Data64, dGrid, GoldenAtol, GoldenRtol, $"{name} dGrid");
        _out.WriteLine($"{name}: max |err| out {eOut:E2} dInput {eIn:E2} dGrid {eGrid:E2}; max rel out {MaxRel(g.Outputs["out"].Data64, outp):E2} " +
                       $"dInput {MaxRel(g.Grads["input"].Data64, dIn):E2} dGrid {MaxRel(g.Grads["grid"].Data64, dGrid):E2}");
    }

    [Theory]
    [MemberData(nameof(InterpCases))]
    public void Interpolate_matches_torch(string name)
    {
        var g = GoldenFile.Case("interpolate", name);
        var input = g.Inputs["input"];
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        var outRef = g.Outputs["out"];
        int ho = outRef.Shape[2], wo = outRef.Shape[3];
        double sh = 0, sw = 0;
        if (g.HasParam("scale_factor"))
        {
            var sf = g.ParamDoubles("scale_factor");
            (sh, sw) = (sf[0], sf[1]);
            Assert.Equal((int)Math.Floor(h * sh), ho);
            Assert.Equal((int)Math.Floor(w * sw), wo);
        }
        else
        {
            Assert.Equal(g.ParamInts("size"), new[] { ho, wo });
        }

        var outp = InterpForward(input.Data, n, c, h, w, ho, wo, sh, sw);
        double eOut = AssertClose(outRef.Data64, outp, GoldenAtol, GoldenRtol, $"{name} out");
        var dIn = InterpBackward(g.Upstream["out"].Data, n, c, h, w, ho, wo, sh, sw);
        double eIn = AssertClose(g.Grads["input"].Data64, dIn, GoldenAtol, GoldenRtol, $"{name} dInput");
        _out.WriteLine($"{name}: max |err| out {eOut:E2} dInput {eIn:E2}; max rel out {MaxRel(outRef.Data64, outp):E2} dInput {MaxRel(g.Grads["input"].Data64, dIn):E2}");
    }

    // ---------------------------------------------------------------------------------------------
    // awkward sizes against the oracles (poisoned outputs catch unwritten elements)

    // Oracle and kernel are both float64 inside; they differ by summation order and the final
    // float32 rounding only.
    private const double OracleAtol = 1e-6, OracleRtol = 1e-5;

    /// <summary>Grid coordinates in [-1.6, 1.6] plus exact -1, 0, 1 and the pixel centres' edges.</summary>
    private static float[] AwkwardGrid(Random rng, int n, int ho, int wo)
    {
        var grid = Random(rng, n * ho * wo * 2, -1.6, 1.6);
        float[] specials = [-1f, 0f, 1f, -1.5f, 1.25f];
        for (int i = 0; i < grid.Length; i += 3) grid[i] = specials[(i / 3) % specials.Length];
        return grid;
    }

    [Theory]
    [InlineData(3, 5, 1, 1, 2, 3)]   // 1x1 input
    [InlineData(3, 5, 7, 5, 1, 1)]   // 1x1 output
    [InlineData(1, 1, 3, 9, 4, 7)]   // odd sizes, wide
    [InlineData(2, 3, 6, 4, 5, 5)]
    [InlineData(1, 2, 2, 1, 3, 2)]   // width-1 input
    public void GridSample_awkward_sizes_match_oracle(int n, int c, int h, int w, int ho, int wo)
    {
        var rng = new Random(1000 + n * 100 + c * 10 + h + w);
        var input = Random(rng, n * c * h * w);
        var grid = AwkwardGrid(rng, n, ho, wo);
        var dOut = Random(rng, n * c * ho * wo);
        GridOracle(input, grid, dOut, n, c, h, w, ho, wo, out var o, out var di, out var dg);

        AssertClose(o, GridForward(input, grid, n, c, h, w, ho, wo), OracleAtol, OracleRtol, "out");
        var (dIn, dGrid) = GridBackward(input, grid, dOut, n, c, h, w, ho, wo);
        AssertClose(di, dIn, OracleAtol, OracleRtol, "dInput");
        AssertClose(dg, dGrid, OracleAtol, OracleRtol, "dGrid");
    }

    [Fact]
    public void GridSample_points_far_outside_give_exact_zeros()
    {
        const int n = 1, c = 3, h = 4, w = 5, ho = 1, wo = 4;
        var rng = new Random(7);
        var input = Random(rng, n * c * h * w);
        // x = -3 (ix = -5.5: all taps left of the image), y = 2.9, x = 1e6, and y = -1e30.
        float[] grid = [-3f, 0.1f, 0.2f, 2.9f, 1e6f, -0.3f, 0.5f, -1e30f];
        var dOut = Random(rng, n * c * ho * wo);
        var outp = GridForward(input, grid, n, c, h, w, ho, wo);
        Assert.All(outp, v => Assert.Equal(0f, v));
        var (dIn, dGrid) = GridBackward(input, grid, dOut, n, c, h, w, ho, wo);
        Assert.All(dIn, v => Assert.Equal(0f, v));
        Assert.All(dGrid, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GridSample_point_partly_outside_uses_only_inside_taps()
    {
        // ix = -1.25 (x = -1.5 on W = 4... here W = 2): taps -3..0, only tap 0 is inside.
        const int h = 1, w = 2;
        float[] input = [3f, 5f];
        float gx = (float)((2 * -1.25 + 1) / w - 1);  // ix = -1.25
        float[] grid = [gx, 0f];                       // iy = 0: y taps -2..1, only 0 inside with weight cc1(0) = 1
        var outp = GridForward(input, grid, 1, 1, h, w, 1, 1);
        double t = 0.75;                               // floor(-1.25) = -2, t = 0.75; tap 0 is the +2 tap
        double expected = Cc2(2 - t) * 3;
        Assert.Equal(expected, outp[0], 6);
    }

    [Theory]
    [InlineData(3, 5, 1, 1, 1, 1, 0, 0)]        // 1x1 -> 1x1
    [InlineData(3, 5, 1, 1, 3, 4, 0, 0)]        // 1x1 input, by size
    [InlineData(1, 2, 7, 5, 1, 1, 0, 0)]        // 1x1 output
    [InlineData(2, 3, 5, 9, 11, 4, 0, 0)]       // up in H, down in W, by size
    [InlineData(1, 2, 4, 4, 6, 3, 1.525, 0.775)] // DINO-style scale factors
    [InlineData(1, 1, 3, 5, 6, 10, 2.0, 2.0)]
    [InlineData(1, 3, 7, 11, 2, 3, 0.3, 0.3)]   // strong downsampling by scale
    [InlineData(1, 1, 5, 5, 5, 5, 0, 0)]        // same size by size: identity
    public void Interpolate_awkward_sizes_match_oracle(int n, int c, int h, int w, int ho, int wo, double sh, double sw)
    {
        var rng = new Random(2000 + n * 100 + c * 10 + h + w + ho);
        var input = Random(rng, n * c * h * w);
        var dOut = Random(rng, n * c * ho * wo);
        InterpOracle(input, dOut, n, c, h, w, ho, wo, sh, sw, out var o, out var di);
        AssertClose(o, InterpForward(input, n, c, h, w, ho, wo, sh, sw), OracleAtol, OracleRtol, "out");
        AssertClose(di, InterpBackward(dOut, n, c, h, w, ho, wo, sh, sw), OracleAtol, OracleRtol, "dInput");
    }

    [Fact]
    public void Interpolate_same_size_backward_is_a_copy_like_torch()
    {
        // torch 1.13 quirk (upsample_bicubic2d_backward_kernel): equal input/output sizes -> grad copy,
        // even with scale_factor 1.025 where the forward really resamples (golden
        // interp_pos_embed_4x4_to_4x4 checks the same against torch).
        const int n = 1, c = 2, h = 4, w = 4;
        var rng = new Random(3);
        var input = Random(rng, n * c * h * w);
        var dOut = Random(rng, n * c * h * w);
        var outp = InterpForward(input, n, c, h, w, h, w, 1.025, 1.025);
        Assert.NotEqual(input, outp);
        Assert.Equal(dOut, InterpBackward(dOut, n, c, h, w, h, w, 1.025, 1.025));
    }

    // ---------------------------------------------------------------------------------------------
    // finite differences

    // Loss = sum(out * wgt) accumulated in float64 from the float32 outputs. The loss is linear in
    // the input, so central differences of dInput have no truncation error; along one grid
    // coordinate it is a cubic polynomial as long as the point stays inside one cell (the points
    // keep their pixel fraction in [0.2, 0.8] and move by < 0.05 px), so Richardson extrapolation
    // (4 D(eps/2) - D(eps)) / 3 cancels the eps^2 term exactly. What remains is the float32 rounding
    // (~6e-8 relative) of the few O(1) outputs a perturbation touches, divided by the step
    // (2 * eps/2 = 1e-2) and scaled by 4/3: about 1e-5. Observed max errors are 2.6e-6..6.1e-6
    // (dGrid values up to ~7); tolerance 5e-5 + 2e-4 |ref| leaves ~8x margin and still catches a
    // 1% error in any weight or derivative.
    private const double FdAtol = 5e-5, FdRtol = 2e-4;

    /// <summary>Grid points whose pixel coordinate has fraction in [0.2, 0.8]: away from the cubic's knots.</summary>
    private static float[] OffKnotGrid(Random rng, int n, int ho, int wo, int h, int w)
    {
        var grid = new float[n * ho * wo * 2];
        for (int i = 0; i < grid.Length; i++)
        {
            int size = (i % 2 == 0) ? w : h;
            double pix = rng.Next(-3, size + 2) + 0.2 + 0.6 * rng.NextDouble();  // includes partly-outside stencils
            grid[i] = (float)((2 * pix + 1) / size - 1);
        }
        return grid;
    }

    [Fact]
    public void GridSample_gradients_match_finite_differences()
    {
        const int n = 2, c = 3, h = 5, w = 7, ho = 3, wo = 4;
        var rng = new Random(11);
        var input = Random(rng, n * c * h * w);
        var grid = OffKnotGrid(rng, n, ho, wo, h, w);
        var wgt = Random(rng, n * c * ho * wo);
        var (dIn, dGrid) = GridBackward(input, grid, wgt, n, c, h, w, ho, wo);

        double Loss(float[] inp, float[] grd)
        {
            var o = new float[n * c * ho * wo];
            BicubicGridSample.Forward(inp, grd, o, n, c, h, w, ho, wo, threads: 1);
            return Dot(o, wgt);
        }

        double Central(float[] x, int i, double eps, Func<double> loss)
        {
            float x0 = x[i];
            x[i] = (float)(x0 + eps); float xp = x[i]; double lp = loss();
            x[i] = (float)(x0 - eps); float xm = x[i]; double lm = loss();
            x[i] = x0;
            return (lp - lm) / ((double)xp - xm);
        }

        const double eps = 1e-2;
        var fdIn = new double[input.Length];
        for (int i = 0; i < input.Length; i++) fdIn[i] = Central(input, i, eps, () => Loss(input, grid));
        double eIn = AssertClose(fdIn, dIn, FdAtol, FdRtol, "FD dInput");

        var fdGrid = new double[grid.Length];
        for (int i = 0; i < grid.Length; i++)
        {
            double d1 = Central(grid, i, eps, () => Loss(input, grid));
            double d2 = Central(grid, i, eps / 2, () => Loss(input, grid));
            fdGrid[i] = (4 * d2 - d1) / 3;
        }
        double eGrid = AssertClose(fdGrid, dGrid, FdAtol, FdRtol, "FD dGrid");
        _out.WriteLine($"FD max |err| dInput {eIn:E2}, dGrid {eGrid:E2} (max |dGrid| {dGrid.Max(Math.Abs):G3})");
        Assert.Contains(dGrid, v => Math.Abs(v) > 0.1f);  // not vacuous
    }

    [Theory]
    [InlineData(2, 3, 5, 7, 9, 4, 0, 0)]
    [InlineData(1, 2, 4, 4, 6, 3, 1.525, 0.775)]
    [InlineData(1, 1, 1, 1, 2, 3, 0, 0)]
    [InlineData(1, 1, 6, 5, 1, 1, 0, 0)]
    public void Interpolate_gradient_matches_finite_differences(int n, int c, int h, int w, int ho, int wo, double sh, double sw)
    {
        var rng = new Random(13 + h * w + ho);
        var input = Random(rng, n * c * h * w);
        var wgt = Random(rng, n * c * ho * wo);
        var dIn = InterpBackward(wgt, n, c, h, w, ho, wo, sh, sw);
        var o = new float[n * c * ho * wo];
        const double eps = 1e-2;
        var fd = new double[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            float x0 = input[i];
            input[i] = (float)(x0 + eps); float xp = input[i];
            BicubicInterpolate.Forward(input, o, n, c, h, w, ho, wo, sh, sw, 1); double lp = Dot(o, wgt);
            input[i] = (float)(x0 - eps); float xm = input[i];
            BicubicInterpolate.Forward(input, o, n, c, h, w, ho, wo, sh, sw, 1); double lm = Dot(o, wgt);
            input[i] = x0;
            fd[i] = (lp - lm) / ((double)xp - xm);
        }
        _out.WriteLine($"FD max |err| dInput {AssertClose(fd, dIn, FdAtol, FdRtol, "FD dInput"):E2}");
    }

    // ---------------------------------------------------------------------------------------------
    // threads: big enough that CpuParallel really splits (count * cost >= 2 * 64K)

    [Fact]
    public void Threads_1_and_2_agree_on_large_inputs()
    {
        var rng = new Random(5);
        {
            const int n = 2, c = 24, h = 14, w = 14, ho = 20, wo = 20;
            var input = Random(rng, n * c * h * w);
            var grid = AwkwardGrid(rng, n, ho, wo);
            var dOut = Random(rng, n * c * ho * wo);
            GridForward(input, grid, n, c, h, w, ho, wo);          // asserts bitwise agreement
            GridBackward(input, grid, dOut, n, c, h, w, ho, wo);   // idem
        }
        {
            const int n = 1, c = 48, h = 14, w = 14, ho = 23, wo = 17;
            var input = Random(rng, n * c * h * w);
            var dOut = Random(rng, n * c * ho * wo);
            var o = InterpForward(input, n, c, h, w, ho, wo, 1.65, 1.25);
            var d = InterpBackward(dOut, n, c, h, w, ho, wo, 1.65, 1.25);
            InterpOracle(input, dOut, n, c, h, w, ho, wo, 1.65, 1.25, out var oRef, out var dRef);
            AssertClose(oRef, o, OracleAtol, OracleRtol, "out");
            AssertClose(dRef, d, OracleAtol, OracleRtol, "dInput");
        }
    }
}
