using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Softmax over the last axis (max-subtracted, so large logits are safe).</summary>
    public static Tensor Softmax(Tensor x) => SoftmaxFunction.Apply(x, log: false, null, 1f);
    /// <summary>Log-softmax over the last axis.</summary>
    public static Tensor LogSoftmax(Tensor x) => SoftmaxFunction.Apply(x, log: true, null, 1f);

    /// <summary>
    /// softmax((x − shift)·scale) over the last axis in one pass (DINO's centred, sharpened teacher
    /// output). shift is one row ([K] or [1, K]) treated as a constant; the gradient flows to x only.
    /// </summary>
    public static Tensor Softmax(Tensor x, Tensor shift, float scale) => SoftmaxFunction.Apply(x, log: false, shift, scale);
}

internal sealed class SoftmaxFunction : Function
{
    private bool log;
    private float scale;
    private Tensor y = null!;
    public override string Name => log ? "LogSoftmax" : "Softmax";

    public static Tensor Apply(Tensor x, bool log, Tensor? shift, float scale)
    {
        string op = log ? "LogSoftmax" : "Softmax";
        Check.Alive(op, "x", x);
        Check.Rank(op, "x", x, 1);
        if (shift is not null)
        {
            Check.SameBackend(op, x, shift, "x", "shift");
            if (shift.Length != x.Shape[^1] || (shift.Rank > 1 && shift.Shape.Product(0, shift.Rank - 1) != 1))
                throw new ArgumentException($"{op}: shift {shift.Shape} must be one row of {x.Shape[^1]} (x {x.Shape})");
        }
        if (!float.IsFinite(scale)) throw new ArgumentException($"{op}: scale {scale} is not finite");
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Softmax(x, log, y, shift, scale);
        return new SoftmaxFunction { log = log, scale = scale, y = y }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(g.Backend, y.Shape);
        g.Backend.SoftmaxBackward(y, g, log, dx);
        if (scale != 1f) g.Backend.Unary(UnaryOp.MulScalar, dx, scale, dx);
        return [dx];
    }
}
