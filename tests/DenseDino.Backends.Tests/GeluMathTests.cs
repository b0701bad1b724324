using System.Runtime.Intrinsics;
using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Backends.Tests;

/// <summary>The CPU's GELU pieces (rational erf, Φ, φ) against double precision, vector and scalar lanes alike.</summary>
public class GeluMathTests
{
    private static double Phi(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    // Numerical Recipes' erfc (relative error < 1.2e-7) in double: far below the float errors tested.
    private static double Erfc(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    [Fact]
    public void GeluAndItsDerivativeMatchDoublePrecision()
    {
        // 8001 points over [-12, 12] (the clamp at |x/√2| = 4 included), in vectors of 8 and one by one.
        float[] xs = Enumerable.Range(0, 8001).Select(i => -12f + 24f * i / 8000f).ToArray();
        for (int i = 0; i + 8 <= xs.Length; i += 8)
        {
            var v = Vector256.Create(xs.AsSpan(i, 8));
            var cdf = GeluMath.Cdf(v);
            var pdf = GeluMath.Pdf(v);
            for (int l = 0; l < 8; l++)
            {
                double x = xs[i + l], phi = Phi(x), dens = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
                Assert.True(Math.Abs(cdf[l] - phi) <= 3e-7, $"vector Φ({x}) = {cdf[l]}, want {phi}");
                Assert.True(Math.Abs(GeluMath.Cdf(xs[i + l]) - phi) <= 3e-7, $"scalar Φ({x}) = {GeluMath.Cdf(xs[i + l])}, want {phi}");
                Assert.True(cdf[l] >= 0f && cdf[l] <= 1f, $"Φ({x}) = {cdf[l]} outside [0, 1]");
                // x²/2 is rounded to float before exp: relative error ~ eps·x²/2
                Assert.True(Math.Abs(pdf[l] - dens) <= (1e-6 + 1.2e-7 * x * x) * dens + 1e-30, $"φ({x}) = {pdf[l]}, want {dens}");
                // gelu = x·Φ and gelu' = Φ + x·φ within float error of their size
                Assert.True(Math.Abs(xs[i + l] * cdf[l] - x * phi) <= 3e-7 * Math.Max(1, Math.Abs(x)), $"gelu({x})");
                Assert.True(Math.Abs(cdf[l] + xs[i + l] * pdf[l] - (phi + x * dens)) <= 1e-6, $"gelu'({x})");
            }
        }
    }

    [Fact]
    public void NaNPassesThroughEveryLane()
    {
        var v = Vector256.Create(float.NaN, 1f, float.NaN, -7f, 0f, float.NaN, 30f, -0.5f);
        var cdf = GeluMath.Cdf(v);
        for (int l = 0; l < 8; l++) Assert.Equal(float.IsNaN(v[l]), float.IsNaN(cdf[l]));
        Assert.True(float.IsNaN(GeluMath.Cdf(float.NaN)));
    }
}
