using DenseDino.Backends.Cpu;
using static DenseDino.Numerics.Tests.GradInput;

namespace DenseDino.Numerics.Tests;

/// <summary>
/// Finite-difference checks of the bicubic resampling ops. Kept apart from
/// <see cref="FiniteDifferenceTests"/> because the CPU kernels land in a separate branch:
/// until they are merged these tests fail with NotImplementedException.
/// </summary>
public sealed class ResamplingFiniteDifferenceTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    public void Dispose() => be.Dispose();

    /// <summary>
    /// Sample points for grid_sample(align_corners=False) whose pixel coordinates
    /// px = ((x + 1)·W − 1)/2 have fractional parts in [0.2, 0.8]: bicubic interpolation is only
    /// C¹ at integer pixel positions (f'' jumps there), so a central difference straddling one
    /// would be off by O(h). With h = 1e-2 in grid units the pixel step is h·W/2 ≤ 0.05.
    /// Some points fall outside the image (padding 'zeros') so the border taps are exercised.
    /// </summary>
    private static GradInput Grid(Random rng, int n, int ho, int wo, int h, int w)
    {
        var data = new float[n * ho * wo * 2];
        for (int i = 0; i < data.Length; i++)
        {
            int size = i % 2 == 0 ? w : h;
            float pixel = rng.Next(-1, size + 1) + 0.2f + 0.6f * rng.NextSingle();
            data[i] = (2f * pixel + 1f) / size - 1f;
        }
        return new GradInput(data, [n, ho, wo, 2]);
    }

    [Fact]
    public void GridSampleBicubicInputAndGrid()
    {
        var rng = new Random(30);
        GradCheck.Run(be, t => Ops.GridSampleBicubic(t[0], t[1]), [Uniform(rng, [2, 2, 5, 6]), Grid(rng, 2, 3, 4, 5, 6)]);
    }

    [Fact]
    public void GridSampleBicubicOnlyGrid()
    {
        var rng = new Random(31);
        GradCheck.Run(be, t => Ops.GridSampleBicubic(t[0], t[1]), [Uniform(rng, [1, 3, 7, 5], differentiable: false), Grid(rng, 1, 5, 3, 7, 5)]);
    }

    [Fact]
    public void GridSampleBicubicOnlyInput()
    {
        var rng = new Random(32);
        GradCheck.Run(be, t => Ops.GridSampleBicubic(t[0], t[1]), [Uniform(rng, [1, 1, 9, 4]), Const(Grid(rng, 1, 2, 7, 9, 4).Data, [1, 2, 7, 2])]);
    }

    [Theory]
    [InlineData(8, 11)]   // upsample, odd sizes
    [InlineData(3, 4)]    // downsample
    [InlineData(5, 1)]    // width 1
    public void InterpolateBicubicSize(int outH, int outW)
    {
        var rng = new Random(outH * 17 + outW);
        GradCheck.Run(be, t => Ops.InterpolateBicubic(t[0], outH, outW), [Uniform(rng, [2, 2, 5, 7])]);
    }

    [Theory]
    [InlineData(1.5, 2.0)]
    [InlineData(0.6, 1.3)]
    public void InterpolateBicubicScale(double scaleH, double scaleW)
    {
        var rng = new Random((int)(scaleH * 100 + scaleW * 10));
        GradCheck.Run(be, t => Ops.InterpolateBicubic(t[0], scaleH, scaleW), [Uniform(rng, [1, 3, 5, 7])]);
    }
}
