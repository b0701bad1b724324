using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>F.interpolate(input [N,C,H,W], size=(outH, outW), mode='bicubic', align_corners=False).</summary>
    public static Tensor InterpolateBicubic(Tensor input, int outH, int outW) => InterpolateFunction.Apply(input, outH, outW, 0, 0);

    /// <summary>
    /// F.interpolate(input, scale_factor=(scaleH, scaleW), mode='bicubic', align_corners=False):
    /// output floor(H·scaleH) × floor(W·scaleW), and the given scales (not the size ratio) map
    /// coordinates, as in DINO's interpolate_pos_encoding.
    /// </summary>
    public static Tensor InterpolateBicubic(Tensor input, double scaleH, double scaleW)
    {
        Check.Rank("InterpolateBicubic", "input", input, 4, 4);
        if (!(scaleH > 0) || !(scaleW > 0)) throw new ArgumentException($"InterpolateBicubic: scale factors must be > 0, got ({scaleH}, {scaleW})");
        int outH = (int)Math.Floor(input.Shape[2] * scaleH), outW = (int)Math.Floor(input.Shape[3] * scaleW);
        return InterpolateFunction.Apply(input, outH, outW, scaleH, scaleW);
    }
}

internal sealed class InterpolateFunction : Function
{
    private Shape inputShape;
    private double scaleH, scaleW;

    public static Tensor Apply(Tensor input, int outH, int outW, double scaleH, double scaleW)
    {
        Check.Alive("InterpolateBicubic", "input", input);
        Check.Rank("InterpolateBicubic", "input", input, 4, 4);
        if (outH <= 0 || outW <= 0) throw new ArgumentException($"InterpolateBicubic: output size ({outH}, {outW}) for input {input.Shape} must be positive");
        if (input.Shape[2] == 0 || input.Shape[3] == 0) throw new ArgumentException($"InterpolateBicubic: input {input.Shape} has an empty spatial axis");
        var output = Tensor.Empty(input.Backend, [input.Shape[0], input.Shape[1], outH, outW]);
        input.Backend.InterpolateBicubic(input, scaleH, scaleW, output);
        return new InterpolateFunction { inputShape = input.Shape, scaleH = scaleH, scaleW = scaleW }.Record(output, input);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dx = Tensor.Empty(g.Backend, inputShape);
        g.Backend.InterpolateBicubicBackward(g, scaleH, scaleW, dx);
        return [dx];
    }
}
