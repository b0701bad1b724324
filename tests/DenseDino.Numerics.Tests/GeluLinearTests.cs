using DenseDino.Numerics.Memory;
using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests;

/// <summary>Ops.GeluLinear against Linear(Gelu(pre)): same numbers, one [rows, hidden] activation less kept for backward.</summary>
public sealed class GeluLinearTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    public void Dispose() => be.Dispose();

    [Theory]
    [InlineData(37, 24, 11, true)]
    [InlineData(1, 9, 1, false)]
    public void EqualsLinearOfGelu(int rows, int hidden, int outF, bool bias)
    {
        var rng = new Random(rows + hidden);
        using var scope = TensorScope.Begin();
        var pre = Param(rng, [rows, hidden], 3f);
        var w = Param(rng, [outF, hidden], 1f);
        var b = bias ? Param(rng, [outF], 1f) : null;
        var weights = Tensor.FromArray(be, Enumerable.Range(0, rows * outF).Select(_ => rng.NextSingle() * 2 - 1).ToArray(), [rows, outF]);
        Tensor?[] inputs = [pre, w, b];

        var (fused, fusedGrads) = OutputAndGrads(() => Ops.GeluLinear(pre, w, b), weights, inputs);
        var (plain, plainGrads) = OutputAndGrads(() => Ops.Linear(Ops.Gelu(pre), w, b), weights, inputs);
        Close("y", plain, fused);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is not null) Close($"grad {i}", plainGrads[i]!, fusedGrads[i]!);
    }

    [Theory]
    [InlineData(37, 24, 11, false)]
    [InlineData(5, 1, 3, true)]
    public void ResidualFormEqualsAddingTheResidual(int rows, int inF, int outF, bool gelu)
    {
        var rng = new Random(rows * 7 + inF);
        using var scope = TensorScope.Begin();
        var x = Param(rng, [rows, inF], 3f);
        var w = Param(rng, [outF, inF], 1f);
        var b = Param(rng, [outF], 1f);
        var r = Param(rng, [rows, outF], 5f);
        var weights = Tensor.FromArray(be, Enumerable.Range(0, rows * outF).Select(_ => rng.NextSingle() * 2 - 1).ToArray(), [rows, outF]);
        Tensor?[] inputs = [x, w, b, r];

        var (fused, fusedGrads) = OutputAndGrads(() => gelu ? Ops.GeluLinear(x, w, b, r) : Ops.Linear(x, w, b, r), weights, inputs);
        var (plain, plainGrads) = OutputAndGrads(() => Ops.Add(r, gelu ? Ops.GeluLinear(x, w, b) : Ops.Linear(x, w, b)), weights, inputs);
        Close("y", plain, fused);
        for (int i = 0; i < inputs.Length; i++) Close($"grad {i}", plainGrads[i]!, fusedGrads[i]!);
    }

    [Fact]
    public void ResidualFormKeepsNoBranchOutput()
    {
        const int rows = 16, inF = 12, outF = 8;
        var rng = new Random(5);
        using var scope = TensorScope.Begin();
        var x = Param(rng, [rows, inF], 1f);
        var w = Param(rng, [outF, inF], 1f);
        var r = Param(rng, [rows, outF], 1f);
        long before = be.Pool.FloatsInUse;
        Ops.Linear(x, w, null, r);
        long fusedHeld = be.Pool.FloatsInUse - before;
        Ops.Add(r, Ops.Linear(x, w));
        Assert.Equal(rows * outF, fusedHeld);
        Assert.Equal(2 * rows * outF, be.Pool.FloatsInUse - before - fusedHeld);
    }

    /// <summary>AddDropPath equals Add(residual, DropPath(branch)) in value and gradient, and keeps only the output and the mask.</summary>
    [Fact]
    public void AddDropPathEqualsAddingTheDroppedBranch()
    {
        const int batch = 9, rows = 5, d = 7;
        var rng = new Random(8);
        using var scope = TensorScope.Begin();
        var r = Param(rng, [batch, rows, d], 2f);
        var x = Param(rng, [batch, rows, d], 2f);
        var weights = Tensor.FromArray(be, Enumerable.Range(0, batch * rows * d).Select(_ => rng.NextSingle() * 2 - 1).ToArray(), [batch, rows, d]);
        Tensor?[] inputs = [r, x];
        var (fused, fusedGrads) = OutputAndGrads(() => Ops.AddDropPath(r, Ops.Exp(x), 0.4f, 11), weights, inputs);
        var (plain, plainGrads) = OutputAndGrads(() => Ops.Add(r, Ops.DropPath(Ops.Exp(x), 0.4f, 11)), weights, inputs);
        Assert.Equal(plain, fused);                       // the same operations: bit for bit
        Assert.Equal(plainGrads[0], fusedGrads[0]);
        Assert.Equal(plainGrads[1], fusedGrads[1]);
        Assert.Contains(0f, fused.Zip(r.ToArray(), (y, res) => y - res));   // some sample dropped: a test of the mask

        long before = be.Pool.FloatsInUse;
        Ops.AddDropPath(r, x, 0.4f, 11);
        long fusedHeld = be.Pool.FloatsInUse - before;
        Ops.Add(r, Ops.DropPath(x, 0.4f, 11));
        Assert.Equal(BufferPool.Capacity(batch * rows * d) + BufferPool.Capacity(batch), fusedHeld);
        Assert.Equal(2 * BufferPool.Capacity(batch * rows * d) + BufferPool.Capacity(batch), be.Pool.FloatsInUse - before - fusedHeld);
    }

    [Fact]
    public void ResidualOfTheWrongShapeIsRejected()
    {
        var rng = new Random(6);
        using var scope = TensorScope.Begin();
        var x = Param(rng, [4, 3], 1f);
        var w = Param(rng, [5, 3], 1f);
        var e = Assert.Throws<ArgumentException>(() => Ops.Linear(x, w, null, Param(rng, [4, 3], 1f)));
        Assert.Contains("residual", e.Message);
        Assert.Contains("[4, 3]", e.Message);
    }

    [Fact]
    public void KeepsOneHiddenActivationLessForBackward()
    {
        const int rows = 64, hidden = 96, outF = 8;
        var rng = new Random(3);
        using var scope = TensorScope.Begin();
        var pre = Param(rng, [rows, hidden], 3f);
        var w = Param(rng, [outF, hidden], 1f);
        long before = be.Pool.FloatsInUse;
        var fused = Ops.GeluLinear(pre, w);
        long fusedHeld = be.Pool.FloatsInUse - before;
        var plain = Ops.Linear(Ops.Gelu(pre), w);
        long plainHeld = be.Pool.FloatsInUse - before - fusedHeld;
        // Both hold y [rows, outF] until backward; the composition also holds gelu(pre) [rows, hidden].
        Assert.Equal(rows * outF, fusedHeld);
        Assert.Equal(rows * outF + rows * hidden, plainHeld);
        Assert.NotNull(fused.GradFn);
        Assert.NotNull(plain.GradFn);
    }

    private Tensor Param(Random rng, int[] shape, float range)
    {
        var t = Tensor.FromArray(be, Enumerable.Range(0, shape.Aggregate(1, (a, d) => a * d)).Select(_ => (rng.NextSingle() * 2 - 1) * range).ToArray(), shape);
        t.RequiresGrad = true;
        return t;
    }

    private static (float[] Out, float[]?[] Grads) OutputAndGrads(Func<Tensor> f, Tensor weights, Tensor?[] inputs)
    {
        var y = f();
        Ops.Sum(Ops.Mul(y, weights)).Backward();
        var grads = inputs.Select(x => x?.Grad?.ToArray()).ToArray();
        foreach (var x in inputs) x?.ZeroGrad();
        return (y.ToArray(), grads);
    }

    private static void Close(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"{what}[{i}]: fused {actual[i]:R}, composed {expected[i]:R}");
    }
}
