using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// Per-row soft-target cross-entropy −Σ t·log_softmax(scale·s) over the last axis (DINO's loss
    /// term, scale = 1/τ); targets are constants. Returns [rows...] (all axes but the last).
    /// </summary>
    public static Tensor SoftCrossEntropy(Tensor targets, Tensor logits, float scale = 1f) => SoftCrossEntropyFunction.Apply(targets, logits, scale);
}

/// <summary>Only the row log-sum-exp is saved, so no K-wide intermediate outlives the forward (nor is one made for the scale).</summary>
internal sealed class SoftCrossEntropyFunction : Function
{
    private Tensor t = null!, s = null!, lse = null!;
    private float scale;

    public static Tensor Apply(Tensor targets, Tensor logits, float scale)
    {
        Check.SameBackend("SoftCrossEntropy", targets, logits, "targets", "logits");
        Check.Rank("SoftCrossEntropy", "logits", logits, 1);
        if (targets.Shape != logits.Shape)
            throw new ArgumentException($"SoftCrossEntropy: targets {targets.Shape} and logits {logits.Shape} differ");
        var rowShape = logits.Shape.Without(logits.Rank - 1);
        int rows = checked((int)rowShape.Length);
        var loss = Tensor.Empty(logits.Backend, rowShape);
        if (!float.IsFinite(scale)) throw new ArgumentException($"SoftCrossEntropy: scale {scale} is not finite");
        var fn = new SoftCrossEntropyFunction { t = targets, s = logits, scale = scale, lse = Tensor.Empty(logits.Backend, [rows]) };
        logits.Backend.SoftCrossEntropy(targets, logits, scale, loss, fn.lse);
        return fn.Record(loss, null, logits);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var ds = Tensor.Empty(g.Backend, s.Shape);
        g.Backend.SoftCrossEntropyBackward(t, s, scale, lse, g, ds);
        return [null, ds];
    }
}
