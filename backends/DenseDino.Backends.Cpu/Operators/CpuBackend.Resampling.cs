namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void GridSampleBicubic(Tensor input, Tensor grid, Tensor output) => throw new NotImplementedException();
    public void GridSampleBicubicBackward(Tensor input, Tensor grid, Tensor dOutput, Tensor? dInput, Tensor? dGrid) => throw new NotImplementedException();
    public void InterpolateBicubic(Tensor input, double scaleH, double scaleW, Tensor output) => throw new NotImplementedException();
    public void InterpolateBicubicBackward(Tensor dOutput, double scaleH, double scaleW, Tensor dInput) => throw new NotImplementedException();
}
