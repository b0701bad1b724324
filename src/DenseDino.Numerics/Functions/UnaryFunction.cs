using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    public static Tensor Neg(Tensor x) => UnaryFunction.Apply(UnaryOp.Neg, x, 0);
    public static Tensor Exp(Tensor x) => UnaryFunction.Apply(UnaryOp.Exp, x, 0);
    public static Tensor Log(Tensor x) => UnaryFunction.Apply(UnaryOp.Log, x, 0);
    public static Tensor Sqrt(Tensor x) => UnaryFunction.Apply(UnaryOp.Sqrt, x, 0);
    public static Tensor Tanh(Tensor x) => UnaryFunction.Apply(UnaryOp.Tanh, x, 0);
    public static Tensor Relu(Tensor x) => UnaryFunction.Apply(UnaryOp.Relu, x, 0);
    /// <summary>GELU with the exact erf (torch's approximate='none').</summary>
    public static Tensor Gelu(Tensor x) => UnaryFunction.Apply(UnaryOp.Gelu, x, 0);
    public static Tensor Add(Tensor x, float value) => UnaryFunction.Apply(UnaryOp.AddScalar, x, value);
    public static Tensor Mul(Tensor x, float value) => UnaryFunction.Apply(UnaryOp.MulScalar, x, value);
    public static Tensor Pow(Tensor x, float exponent) => UnaryFunction.Apply(UnaryOp.PowScalar, x, exponent);
}

/// <summary>An element-wise function of one tensor (with an optional scalar parameter).</summary>
internal sealed class UnaryFunction : Function
{
    private readonly UnaryOp op;
    private readonly float alpha;
    private Tensor x = null!, y = null!;

    private UnaryFunction(UnaryOp op, float alpha)
    {
        this.op = op;
        this.alpha = alpha;
    }

    public override string Name => op.ToString();

    public static Tensor Apply(UnaryOp op, Tensor x, float alpha)
    {
        Check.Alive(op.ToString(), "x", x);
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Unary(op, x, alpha, y);
        return new UnaryFunction(op, alpha) { x = x, y = y }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.UnaryBackward(op, x, y, g, alpha, dx, accumulate: false);
        return [dx];
    }
}
