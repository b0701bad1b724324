using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void GridSampleBicubic(Tensor input, Tensor grid, Tensor output)
    {
        var s = input.Shape;
        BicubicGridSample.Forward(Span(input), Span(grid), Span(output), s[0], s[1], s[2], s[3], grid.Shape[1], grid.Shape[2], Threads);
    }

    public void GridSampleBicubicBackward(Tensor input, Tensor grid, Tensor dOutput, Tensor? dInput, Tensor? dGrid)
    {
        var s = input.Shape;
        BicubicGridSample.Backward(Span(input), Span(grid), Span(dOutput),
            dInput is null ? [] : Span(dInput), dGrid is null ? [] : Span(dGrid),
            s[0], s[1], s[2], s[3], grid.Shape[1], grid.Shape[2], Threads);
    }

    public void InterpolateBicubic(Tensor input, double scaleH, double scaleW, Tensor output)
    {
        var s = input.Shape;
        BicubicInterpolate.Forward(Span(input), Span(output), s[0], s[1], s[2], s[3], output.Shape[2], output.Shape[3], scaleH, scaleW, Threads);
    }

    public void InterpolateBicubicBackward(Tensor dOutput, double scaleH, double scaleW, Tensor dInput)
    {
        var s = dInput.Shape;
        BicubicInterpolate.Backward(Span(dOutput), Span(dInput), s[0], s[1], s[2], s[3], dOutput.Shape[2], dOutput.Shape[3], scaleH, scaleW, Threads);
    }
}
