using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests;

/// <summary>
/// Empty tensors (a 0-sized axis) and scalar shapes. Every test first fills the pool with
/// NaN buffers, so an output a kernel forgets to write (an empty sum, a k = 0 GEMM) shows
/// up as NaN instead of passing by luck on fresh zeroed memory.
/// </summary>
public sealed class EmptyAndEdgeTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    private readonly List<Tensor> parameters = new();

    public EmptyAndEdgeTests() => PoisonPool();

    public void Dispose()
    {
        foreach (var p in parameters) { p.ZeroGrad(); p.Dispose(); }
        be.Dispose();
    }

    private void PoisonPool()
    {
        var held = new List<Tensor>();
        for (int cap = 1; cap <= 16; cap++)
            for (int i = 0; i < 6; i++) held.Add(Tensor.Full(be, [cap * 64], float.NaN));
        foreach (var t in held) t.Dispose();
    }

    private Tensor Param(int[] shape, string name)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var p = Tensor.Parameter(be, Enumerable.Range(0, n).Select(i => 0.1f * (i % 7) - 0.3f).ToArray(), shape, name);
        parameters.Add(p);
        return p;
    }

    [Fact]
    public void ElementwiseOnEmpty()
    {
        var x = Param([0, 5], "x");
        var b = Param([5], "b");
        using var scope = TensorScope.Begin();
        var y = Ops.Mul(Ops.Exp(Ops.Add(x, b)), 2f);
        Assert.Equal(new Shape(0, 5), y.Shape);
        Assert.Empty(y.ToArray());
        var loss = Ops.Sum(y);
        Assert.Equal(new Shape(), loss.Shape);
        Assert.Equal(0f, loss.Item());
        loss.Backward();
        Assert.Equal(new Shape(0, 5), x.Grad!.Shape);
        Assert.Equal(new Shape(5), b.Grad!.Shape);
        Assert.Equal(new float[5], b.Grad.ToArray()); // summed over zero rows
    }

    [Fact]
    public void ReductionsWithEmptyAxes()
    {
        var x = Param([0, 5], "x");
        using var scope = TensorScope.Begin();
        // Over the non-empty axis: an empty result.
        var s1 = Ops.Sum(x, 1);
        Assert.Equal(new Shape(0), s1.Shape);
        Assert.Equal(new Shape(0, 1), Ops.Max(x, 1, keepDim: true).Shape);
        Assert.Equal(new Shape(0), Ops.Mean(x, -1).Shape);
        // Over the empty axis: sums are 0.
        var s0 = Ops.Sum(x, 0);
        Assert.Equal(new Shape(5), s0.Shape);
        Assert.Equal(new float[5], s0.ToArray());
        Ops.Sum(Ops.Mul(s0, 3f)).Backward();
        Assert.Equal(new Shape(0, 5), x.Grad!.Shape);
        // The mean over an empty axis is 0/0 = NaN (as torch), whatever the layout (inner = 1 or > 1).
        Assert.All(Ops.Mean(x, 0).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(Ops.Mean(Ops.Reshape(x, 5, 0), 1).ToArray(), v => Assert.True(float.IsNaN(v)));
        // Max over an empty axis has no answer.
        var e = Assert.Throws<ArgumentException>(() => Ops.Max(x, 0));
        Assert.Contains("[0, 5]", e.Message);
    }

    [Fact]
    public void ConcatWithAnEmptyPart()
    {
        var a = Param([2, 3], "a");
        var empty = Param([0, 3], "empty");
        var c = Param([1, 3], "c");
        using var scope = TensorScope.Begin();
        var y = Ops.Concat(0, a, empty, c);
        Assert.Equal(new Shape(3, 3), y.Shape);
        Assert.Equal(a.ToArray().Concat(c.ToArray()), y.ToArray());
        Ops.Sum(Ops.Mul(y, y)).Backward();
        Assert.Equal(new Shape(0, 3), empty.Grad!.Shape);
        Assert.Equal(a.ToArray().Select(v => 2 * v), a.Grad!.ToArray());
        Assert.Equal(c.ToArray().Select(v => 2 * v), c.Grad!.ToArray());
    }

    [Fact]
    public void SliceOfLengthZero()
    {
        var x = Param([4, 5], "x");
        using var scope = TensorScope.Begin();
        var y = Ops.Slice(x, 1, 2, 0);
        Assert.Equal(new Shape(4, 0), y.Shape);
        Assert.Equal(new Shape(0, 5), Ops.Slice(x, 0, 4, 0).Shape);
        var loss = Ops.Add(Ops.Sum(y), Ops.Sum(Ops.Slice(x, 0, 1, 1)));
        loss.Backward();
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, .. new float[10]], x.Grad!.ToArray());
    }

    [Fact]
    public void LinearWithZeroRows()
    {
        var w = Param([5, 7], "w");
        var b = Param([5], "b");
        var x = Param([0, 7], "x");
        using var scope = TensorScope.Begin();
        var y = Ops.Linear(x, w, b);
        Assert.Equal(new Shape(0, 5), y.Shape);
        Ops.Sum(y).Backward();
        Assert.Equal(new Shape(0, 7), x.Grad!.Shape);
        Assert.Equal(new float[35], w.Grad!.ToArray());
        Assert.Equal(new float[5], b.Grad!.ToArray());
    }

    [Fact]
    public void MatMulWithZeroInnerDimensionIsZero()
    {
        var a = Param([3, 0], "a");
        var b = Param([0, 4], "b");
        using var scope = TensorScope.Begin();
        var y = Ops.MatMul(a, b);
        Assert.Equal(new Shape(3, 4), y.Shape);
        Assert.Equal(new float[12], y.ToArray());
        Ops.Sum(y).Backward();
        Assert.Equal(new Shape(3, 0), a.Grad!.Shape);
        Assert.Equal(new Shape(0, 4), b.Grad!.Shape);
        // Batched and transposed: a [2, 0, 3]ᵀ · b [2, 0, 5] → [2, 3, 5] of zeros.
        var y2 = Ops.MatMul(Tensor.Zeros(be, [2, 0, 3]), Tensor.Zeros(be, [2, 0, 5]), transA: true);
        Assert.Equal(new Shape(2, 3, 5), y2.Shape);
        Assert.Equal(new float[30], y2.ToArray());
        // Linear with in = 0: only the bias remains.
        var y3 = Ops.Linear(Tensor.Zeros(be, [2, 0]), Tensor.Zeros(be, [3, 0]), Tensor.FromArray(be, [1f, 2f, 3f], [3]));
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f], y3.ToArray());
    }

    [Fact]
    public void RowOpsOnZeroRows()
    {
        var x = Param([0, 6], "x");
        var g = Param([6], "g");
        var bt = Param([6], "beta");
        using var scope = TensorScope.Begin();
        var y = Ops.Softmax(Ops.LayerNorm(x, g, bt));
        Assert.Equal(new Shape(0, 6), y.Shape);
        Ops.Sum(y).Backward();
        Assert.Equal(new float[6], g.Grad!.ToArray());
        Assert.Equal(new float[6], bt.Grad!.ToArray());
    }

    [Fact]
    public void MovementOpsOnEmpty()
    {
        var x = Param([3, 0, 2], "x");
        var y = Param([3, 4, 2], "y");
        using var scope = TensorScope.Begin();
        Assert.Equal(new Shape(2, 3, 0), Ops.Permute(x, 2, 0, 1).Shape);
        Assert.Equal(new Shape(0, 3), Ops.Reshape(x, -1, 3).Shape);
        var picked = Ops.IndexSelect(y, 1, []);
        Assert.Equal(new Shape(3, 0, 2), picked.Shape);
        var both = Ops.Concat(1, x, picked, x);
        Assert.Equal(new Shape(3, 0, 2), both.Shape);
        var loss = Ops.Add(Ops.Sum(Ops.Concat(1, both, y)), Ops.Sum(Ops.Transpose(x, 0, 1)));
        loss.Backward();
        Assert.Equal(new Shape(3, 0, 2), x.Grad!.Shape);
        Assert.Equal(Enumerable.Repeat(1f, 24), y.Grad!.ToArray());
    }

    [Fact]
    public void ScalarShapedSum()
    {
        var x = Param([2, 3], "x");
        using var scope = TensorScope.Begin();
        var s = Ops.Sum(x);
        Assert.Equal(0, s.Rank);
        Assert.Equal(new Shape(), s.Shape);
        Assert.Equal(1, s.Length);
        Assert.Equal(x.ToArray().Sum(), s.Item(), 1e-6f);
        var m = Ops.Mean(x);
        Assert.Equal(new Shape(), m.Shape);
        Assert.Equal(x.ToArray().Average(), m.Item(), 1e-6f);
        // Scalars broadcast against anything and differentiate back to [].
        var y = Ops.Mul(Ops.Add(s, m), x);
        Assert.Equal(new Shape(2, 3), y.Shape);
        Ops.Sum(s).Backward(); // Sum of a scalar is a scalar
        Assert.Equal(Enumerable.Repeat(1f, 6), x.Grad!.ToArray());
        // Sum over a single element tensor of shape [1] and of shape [] itself.
        var one = Tensor.FromArray(be, [4f], []);
        Assert.Equal(4f, Ops.Sum(one).Item());
        Assert.Equal(new Shape(), Ops.Reshape(one).Shape);
    }
}
