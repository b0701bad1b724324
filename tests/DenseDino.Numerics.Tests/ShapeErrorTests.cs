using DenseDino.Backends.Cpu;

namespace DenseDino.Numerics.Tests;

/// <summary>A shape mismatch throws ArgumentException naming the op, the argument and the shapes involved.</summary>
public sealed class ShapeErrorTests : IDisposable
{
    private readonly CpuBackend be = new(1);
    private readonly TensorScope scope = TensorScope.Begin();

    public void Dispose()
    {
        scope.Dispose();
        be.Dispose();
    }

    private Tensor Z(params int[] shape) => Tensor.Zeros(be, shape);

    private static void Throws(Action action, params string[] fragments)
    {
        var e = Assert.Throws<ArgumentException>(action);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void MatMul()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.MatMul(Z(64, 384), Z(192, 1152)));
        Assert.Equal("MatMul: a [64, 384], b [192, 1152]: 384 != 192", e.Message);
        Throws(() => Ops.MatMul(Z(5, 3), Z(4, 6), transA: true, transB: true), "MatMul", "a [5, 3]", "b [4, 6]", "5 != 6");
        Throws(() => Ops.MatMul(Z(2, 3, 4), Z(3, 4, 5)), "MatMul", "[2, 3, 4]", "[3, 4, 5]", "batch");
        Throws(() => Ops.MatMul(Z(4), Z(4, 4)), "MatMul", "a", "[4]");
    }

    [Fact]
    public void Linear()
    {
        Throws(() => Ops.Linear(Z(3, 7), Z(5, 6)), "Linear", "x [3, 7]", "weight [5, 6]", "7 != 6");
        Throws(() => Ops.Linear(Z(3, 6), Z(5, 6), Z(4)), "Linear", "bias", "[4]", "[5]");
        Throws(() => Ops.Linear(Z(3, 6), Z(30)), "Linear", "weight", "[30]");
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void BroadcastFailure(string op)
    {
        Func<Tensor, Tensor, Tensor> f = op switch { "Add" => Ops.Add, "Sub" => Ops.Sub, "Mul" => Ops.Mul, _ => Ops.Div };
        Throws(() => f(Z(3, 4), Z(5)), op, "[3, 4]", "[5]");
        Throws(() => f(Z(2, 1, 7), Z(3, 6)), op, "[2, 1, 7]", "[3, 6]");
    }

    [Fact]
    public void LayerNormGammaAndBeta()
    {
        Throws(() => Ops.LayerNorm(Z(3, 7), Z(5), Z(7)), "LayerNorm", "gamma", "[5]", "[7]");
        Throws(() => Ops.LayerNorm(Z(3, 7), Z(7), Z(7, 1)), "LayerNorm", "beta", "[7, 1]", "[7]");
    }

    [Fact]
    public void AttentionK()
    {
        Throws(() => Ops.Attention(Z(1, 2, 7, 3), Z(1, 2, 5, 4), Z(1, 2, 5, 3), null, 1f), "Attention", "k", "[1, 2, 5, 4]", "[1, 2, 5, 3]");
        Throws(() => Ops.Attention(Z(1, 2, 7, 3), Z(1, 2, 5, 3), Z(1, 2, 6, 3), null, 1f), "Attention", "v", "[1, 2, 6, 3]", "[1, 2, 5, 3]");
        Throws(() => Ops.Attention(Z(1, 2, 7, 3), Z(1, 2, 5, 3), Z(1, 2, 5, 3), Z(7, 7), 1f), "Attention", "mask", "[7, 7]", "[7, 5]");
        Throws(() => Ops.Attention(Z(2, 7, 3), Z(2, 7, 3), Z(2, 7, 3), null, 1f), "Attention", "q", "[2, 7, 3]");
    }

    [Fact]
    public void SoftCrossEntropy() =>
        Throws(() => Ops.SoftCrossEntropy(Z(4, 5), Z(4, 6)), "SoftCrossEntropy", "targets [4, 5]", "logits [4, 6]");

    [Fact]
    public void Concat()
    {
        Throws(() => Ops.Concat(0, Z(2, 3), Z(2, 4)), "Concat", "xs[1] [2, 4]", "xs[0] [2, 3]");
        Throws(() => Ops.Concat(1, Z(2, 3), Z(2, 3, 1)), "Concat", "xs[1] [2, 3, 1]", "xs[0] [2, 3]");
        Throws(() => Ops.Concat(2, Z(2, 3)), "Concat", "axis 2", "[2, 3]");
    }

    [Fact]
    public void Reshape()
    {
        Throws(() => Ops.Reshape(Z(3, 4), 5, 2), "Reshape", "x [3, 4]", "[5, 2]");
        Throws(() => Ops.Reshape(Z(3, 4), 5, -1), "Reshape", "x [3, 4]", "[5, -1]");
    }

    [Fact]
    public void Slice()
    {
        Throws(() => Ops.Slice(Z(2, 5), 1, 3, 3), "Slice", "x [2, 5]", "[3, 6)");
        Throws(() => Ops.Slice(Z(2, 5), 1, -1, 2), "Slice", "x [2, 5]");
        Throws(() => Ops.Slice(Z(2, 5), 2, 0, 1), "Slice", "axis 2", "[2, 5]");
    }

    [Fact]
    public void IndexSelect()
    {
        Throws(() => Ops.IndexSelect(Z(3, 4), 1, [0, 4]), "IndexSelect", "index 4", "x [3, 4]");
        Throws(() => Ops.IndexSelect(Z(3, 4), 0, [-1]), "IndexSelect", "index -1", "x [3, 4]");
    }

    [Fact]
    public void WeightNorm()
    {
        Throws(() => Ops.WeightNorm(Z(4), Z(5, 3)), "WeightNorm", "g", "[4]", "[5]");
        Throws(() => Ops.WeightNorm(Z(5), Z(5, 3, 1)), "WeightNorm", "v", "[5, 3, 1]");
    }

    [Fact]
    public void PatchEmbed()
    {
        Throws(() => Ops.PatchEmbed(Z(1, 3, 7, 8), Z(6, 3, 4, 4), Z(6), 4), "PatchEmbed", "x [1, 3, 7, 8]", "4x4");
        Throws(() => Ops.PatchEmbed(Z(1, 3, 8, 8), Z(6, 2, 4, 4), Z(6), 4), "PatchEmbed", "weight", "[6, 2, 4, 4]", "[6, 3, 4, 4]");
        Throws(() => Ops.PatchEmbed(Z(1, 3, 8, 8), Z(6, 3, 4, 4), Z(5), 4), "PatchEmbed", "bias", "[5]", "[6]");
    }

    [Fact]
    public void GridSampleBicubicGrid()
    {
        Throws(() => Ops.GridSampleBicubic(Z(2, 3, 5, 5), Z(2, 4, 4, 3)), "GridSampleBicubic", "grid [2, 4, 4, 3]", "input [2, 3, 5, 5]");
        Throws(() => Ops.GridSampleBicubic(Z(2, 3, 5, 5), Z(1, 4, 4, 2)), "GridSampleBicubic", "grid [1, 4, 4, 2]", "input [2, 3, 5, 5]");
        Throws(() => Ops.InterpolateBicubic(Z(2, 3, 5), 4, 4), "InterpolateBicubic", "input", "[2, 3, 5]");
    }

    [Fact]
    public void RowOpsAndPermute()
    {
        Throws(() => Ops.Softmax(Z()), "Softmax", "x", "[]");
        Throws(() => Ops.Permute(Z(2, 3, 4), 0, 0, 1), "Permute", "[0, 0, 1]", "[2, 3, 4]");
        Throws(() => Ops.Sum(Z(2, 3), 2), "Sum", "axis 2", "[2, 3]");
        Throws(() => Tensor.FromArray(be, [1f, 2f], [3]), "FromArray", "[3]");
    }
}
