using System.Globalization;
using System.Text;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests;

/// <summary>One input of a gradient check: host data, shape, and whether d(loss)/d(input) is checked.</summary>
public sealed class GradInput
{
    public GradInput(float[] data, int[] shape, bool differentiable = true)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n != data.Length) throw new ArgumentException($"GradInput: {data.Length} values for shape [{string.Join(", ", shape)}]");
        Data = data;
        Shape = shape;
        Differentiable = differentiable;
    }

    public float[] Data { get; }
    public int[] Shape { get; }
    public bool Differentiable { get; }

    private static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Uniform in [lo, hi).</summary>
    public static GradInput Uniform(Random rng, int[] shape, float lo = -1f, float hi = 1f, bool differentiable = true) =>
        new(Enumerable.Range(0, Count(shape)).Select(_ => lo + (hi - lo) * rng.NextSingle()).ToArray(), shape, differentiable);

    /// <summary>In [0.5, 2): safe for log, sqrt, pow, and as a divisor.</summary>
    public static GradInput Positive(Random rng, int[] shape, bool differentiable = true) => Uniform(rng, shape, 0.5f, 2f, differentiable);

    /// <summary>±[0.25, 1.25): away from kinks at 0 (relu) and poles (division).</summary>
    public static GradInput AwayFromZero(Random rng, int[] shape, bool differentiable = true) =>
        new(Enumerable.Range(0, Count(shape)).Select(_ => (rng.Next(2) == 0 ? -1f : 1f) * (0.25f + rng.NextSingle())).ToArray(), shape, differentiable);

    /// <summary>
    /// A random permutation of evenly spaced values 0.05 apart (plus jitter &lt; 0.01): every pair
    /// differs by &gt; 0.04 = 4h, so a ±h perturbation never changes an arg-max (max is not differentiable at ties).
    /// </summary>
    public static GradInput Distinct(Random rng, int[] shape, bool differentiable = true)
    {
        int n = Count(shape);
        var data = Enumerable.Range(0, n).Select(i => (i - n / 2f) * 0.05f + 0.01f * rng.NextSingle()).ToArray();
        rng.Shuffle(data);
        return new(data, shape, differentiable);
    }

    /// <summary>Fixed (non-differentiable) data, e.g. targets.</summary>
    public static GradInput Const(float[] data, int[] shape) => new(data, shape, differentiable: false);
}

/// <summary>
/// Finite-difference gradient check in the style of tinygrad's helper_test_op.
///
/// loss(inputs) = Σ_i out_i · w_i with w fixed random weights (so every output element and
/// every direction matters, not just the sum). The analytic gradient comes from autograd
/// (out.Backward(w), which is d loss / d input); the numeric one from central differences
/// (loss(x + h·e_j) − loss(x − h·e_j)) / (x₊ − x₋), where the forward runs in float32 and the
/// loss is accumulated in double on the host from ToArray(). The divisor is the float32 step
/// actually taken (x₊ − x₋ as rounded), not 2h, so input rounding adds no error.
///
/// Choice of h and tolerances:
/// - Truncation error of a central difference is h²/6·|f'''|. With inputs O(1) kept away
///   from kinks and poles (|f'''| ≲ 100 for 1/b at b = 0.5), h = 1e-2 gives ≲ 2e-3 — and that
///   worst case only where |f'| itself is large (rtol covers it); typically ≲ 1e-4.
/// - Rounding: the forward is deterministic, so outputs that do not depend on the perturbed
///   element are bit-identical in both evaluations and cancel exactly. Only the affected
///   outputs contribute noise, ≈ 6e-8·Σ_affected |out·w| / h ≈ 6e-6 per affected O(1) output;
///   for a whole attention head or LayerNorm row (≲ 100 outputs) that stays ≲ 1e-3 even
///   with some cancellation inside the op.
/// - Hence |analytic − numeric| ≤ atol + rtol·|numeric| with atol = 2e-3 and rtol = 2e-2.
///   Random inputs and weights give gradients of order 0.1–1, so an error of a factor of 2,
///   a flipped sign or a dropped term (error ≈ |g|) fails by one to two orders of magnitude.
///   Each check also insists that the numeric gradient is clearly non-zero (max |g| ≥ 20·atol),
///   so a test can never pass vacuously on a function whose gradient is zero.
/// </summary>
public static class GradCheck
{
    public const double DefaultH = 1e-2;
    public const double DefaultAtol = 2e-3;
    public const double DefaultRtol = 2e-2;

    /// <summary>Runs the check; throws an xunit assertion failure listing the worst elements.</summary>
    public static void Run(
        IBackend backend, Func<Tensor[], Tensor> f, GradInput[] inputs, int seed = 1234,
        double h = DefaultH, double atol = DefaultAtol, double rtol = DefaultRtol, bool allowZeroGradient = false)
    {
        using var scope = TensorScope.Begin();

        // ---- analytic ----
        var leaves = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            leaves[i] = inputs[i].Differentiable
                ? Tensor.Parameter(backend, inputs[i].Data, inputs[i].Shape, $"input{i}")
                : Tensor.FromArray(backend, inputs[i].Data, inputs[i].Shape);
        float[] w;
        float[][] analytic = new float[inputs.Length][];
        try
        {
            var output = f(leaves);
            var rng = new Random(seed ^ 0x5eed);
            // Weights in ±[0.5, 1.5): never near zero, so every output element counts.
            w = new float[output.Length];
            for (int i = 0; i < w.Length; i++) w[i] = (rng.Next(2) == 0 ? -1f : 1f) * (0.5f + rng.NextSingle());
            Assert.True(output.RequiresGrad, "GradCheck: the output does not require a gradient (no differentiable input reaches it)");
            var wt = Tensor.FromArray(backend, w, output.Shape);
            output.Backward(wt);
            for (int i = 0; i < inputs.Length; i++)
            {
                if (!inputs[i].Differentiable)
                {
                    Assert.Null(leaves[i].Grad);
                    continue;
                }
                var grad = leaves[i].Grad;
                Assert.True(grad is not null, $"GradCheck: input {i} [{string.Join(", ", inputs[i].Shape)}] received no gradient");
                Assert.Equal(new Shape(inputs[i].Shape), grad!.Shape);
                analytic[i] = grad.ToArray();
            }
        }
        finally
        {
            foreach (var leaf in leaves)
                if (leaf.RequiresGrad) { leaf.ZeroGrad(); leaf.Dispose(); }
        }

        // ---- numeric ----
        using var noGrad = GradMode.NoGrad();
        var data = inputs.Select(x => (float[])x.Data.Clone()).ToArray();
        double Loss()
        {
            using var s = TensorScope.Begin();
            var ts = new Tensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) ts[i] = Tensor.FromArray(backend, data[i], inputs[i].Shape);
            var y = f(ts).ToArray();
            Assert.Equal(w.Length, y.Length);
            double acc = 0;
            for (int i = 0; i < y.Length; i++) acc += (double)y[i] * w[i];
            return acc;
        }

        var failures = new StringBuilder();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].Differentiable) continue;
            var numeric = new double[data[i].Length];
            for (int j = 0; j < data[i].Length; j++)
            {
                float x0 = data[i][j];
                float xp = (float)(x0 + h), xm = (float)(x0 - h);
                data[i][j] = xp;
                double lp = Loss();
                data[i][j] = xm;
                double lm = Loss();
                data[i][j] = x0;
                numeric[j] = (lp - lm) / ((double)xp - xm);
            }
            double maxNumeric = numeric.Max(Math.Abs);
            if (!allowZeroGradient && maxNumeric < 20 * atol)
                failures.AppendLine(CultureInfo.InvariantCulture, $"input {i}: numeric gradient is ~0 everywhere (max {maxNumeric:G3}); the check would be vacuous");
            var bad = Enumerable.Range(0, numeric.Length)
                .Select(j => (j, err: Math.Abs(analytic[i][j] - numeric[j]), tol: atol + rtol * Math.Abs(numeric[j])))
                .Where(e => !(e.err <= e.tol))
                .OrderByDescending(e => e.err / e.tol)
                .ToList();
            if (bad.Count == 0) continue;
            failures.AppendLine(CultureInfo.InvariantCulture,
                $"input {i} [{string.Join(", ", inputs[i].Shape)}]: {bad.Count}/{numeric.Length} elements outside atol {atol:G3} + rtol {rtol:G3}·|numeric|:");
            foreach (var (j, err, _) in bad.Take(8))
                failures.AppendLine(CultureInfo.InvariantCulture,
                    $"  [{j}] analytic {analytic[i][j]:G6}  numeric {numeric[j]:G6}  |diff| {err:G3}");
        }
        if (failures.Length > 0) Assert.Fail("GradCheck failed:\n" + failures);
    }
}
