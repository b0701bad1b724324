using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>Softmax over the last axis (max-subtracted, so large logits are safe).</summary>
    public static Tensor Softmax(Tensor x) => SoftmaxFunction.Apply(x, log: false);
    /// <summary>Log-softmax over the last axis.</summary>
    public static Tensor LogSoftmax(Tensor x) => SoftmaxFunction.Apply(x, log: true);
}

internal sealed class SoftmaxFunction : Function
{
    private bool log;
    private Tensor y = null!;
    public override string Name => log ? "LogSoftmax" : "Softmax";

    public static Tensor Apply(Tensor x, bool log)
    {
        Check.Alive(log ? "LogSoftmax" : "Softmax", "x", x);
        Check.Rank(log ? "LogSoftmax" : "Softmax", "x", x, 1);
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Softmax(x, log, y);
        return new SoftmaxFunction { log = log, y = y }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(g.Backend, y.Shape);
        g.Backend.SoftmaxBackward(y, g, log, dx);
        return [dx];
    }
}
