using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// F.grid_sample(input, grid, mode='bicubic', padding_mode='zeros', align_corners=False):
    /// input [N, C, H, W], grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1] → [N, C, Ho, Wo].
    /// Differentiable in both the sampled values and the points.
    /// </summary>
    public static Tensor GridSampleBicubic(Tensor input, Tensor grid) => GridSampleFunction.Apply(input, grid);
}

internal sealed class GridSampleFunction : Function
{
    private Tensor input = null!, grid = null!;

    public static Tensor Apply(Tensor input, Tensor grid)
    {
        Check.SameBackend("GridSampleBicubic", input, grid, "input", "grid");
        Check.Rank("GridSampleBicubic", "input", input, 4, 4);
        Check.Rank("GridSampleBicubic", "grid", grid, 4, 4);
        if (grid.Shape[0] != input.Shape[0] || grid.Shape[3] != 2)
            throw new ArgumentException($"GridSampleBicubic: grid {grid.Shape} must be [N={input.Shape[0]}, Ho, Wo, 2] for input {input.Shape}");
        var output = Tensor.Empty(input.Backend, [input.Shape[0], input.Shape[1], grid.Shape[1], grid.Shape[2]]);
        input.Backend.GridSampleBicubic(input, grid, output);
        return new GridSampleFunction { input = input, grid = grid }.Record(output, input, grid);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var dInput = NeedsGrad(0) ? Tensor.Empty(g.Backend, input.Shape) : null;
        var dGrid = NeedsGrad(1) ? Tensor.Empty(g.Backend, grid.Shape) : null;
        g.Backend.GridSampleBicubicBackward(input, grid, g, dInput, dGrid);
        return [dInput, dGrid];
    }
}
