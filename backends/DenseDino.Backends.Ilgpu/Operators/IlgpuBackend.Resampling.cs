using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    private static GridArgs GridOf(Tensor input, int ho, int wo)
    {
        var s = input.Shape;
        return new GridArgs { N = s[0], C = s[1], H = s[2], W = s[3], Ho = ho, Wo = wo };
    }

    public void GridSampleBicubic(Tensor input, Tensor grid, Tensor output)
    {
        if (output.Length == 0) return;
        K.GridSample(Count(output.Length), V(input), V(grid), V(output), GridOf(input, grid.Shape[1], grid.Shape[2]));
    }

    public void GridSampleBicubicBackward(Tensor input, Tensor grid, Tensor dOutput, Tensor? dInput, Tensor? dGrid)
    {
        var p = GridOf(input, grid.Shape[1], grid.Shape[2]);
        if (dInput is not null)
        {
            Fill(dInput, 0f);
            if (dOutput.Length > 0) K.GridSampleBackwardInput(Count(dOutput.Length), V(grid), V(dOutput), V(dInput), p);
        }
        if (dGrid is not null && dGrid.Length > 0)
            K.GridSampleBackwardGrid(Count(dGrid.Length / 2), V(input), V(grid), V(dOutput), V(dGrid), p);
    }

    public void InterpolateBicubic(Tensor input, double scaleH, double scaleW, Tensor output)
    {
        if (output.Length == 0) return;
        var p = GridOf(input, output.Shape[2], output.Shape[3]);
        var tables = UploadTaps(p, scaleH, scaleW);
        K.Interpolate(Count(output.Length), V(input), V(output),
            IntView(tables, 0, 4 * p.Wo), TableView(tables, 4 * p.Wo, 4 * p.Wo),
            IntView(tables, 8 * p.Wo, 4 * p.Ho), TableView(tables, 8 * p.Wo + 4 * p.Ho, 4 * p.Ho), p);
        Pool.Return(tables);
    }

    public void InterpolateBicubicBackward(Tensor dOutput, double scaleH, double scaleW, Tensor dInput)
    {
        if (dInput.Length == 0) return;
        var p = GridOf(dInput, dOutput.Shape[2], dOutput.Shape[3]);
        if (p.H == p.Ho && p.W == p.Wo)
        {
            // torch's "same size, just copy" shortcut in upsample_bicubic2d_backward (see BicubicInterpolate).
            Copy(dOutput, dInput);
            return;
        }
        Fill(dInput, 0f);
        var tables = UploadTaps(p, scaleH, scaleW);
        K.InterpolateBackward(Count(dOutput.Length), V(dOutput), V(dInput),
            IntView(tables, 0, 4 * p.Wo), TableView(tables, 4 * p.Wo, 4 * p.Wo),
            IntView(tables, 8 * p.Wo, 4 * p.Ho), TableView(tables, 8 * p.Wo + 4 * p.Ho, 4 * p.Ho), p);
        Pool.Return(tables);
    }

    private static ArrayView<float> TableView(Numerics.Memory.DeviceBuffer buffer, long offset, long length) =>
        ((IlgpuBuffer)buffer).View(offset, length);

    /// <summary>Tap tables [ix 4·Wo | wx 4·Wo | iy 4·Ho | wy 4·Ho] (indices as int bits) in one pooled buffer.</summary>
    private Numerics.Memory.DeviceBuffer UploadTaps(GridArgs p, double scaleH, double scaleW)
    {
        var data = new float[8 * p.Wo + 8 * p.Ho];
        Taps(p.W, p.Wo, scaleW, data.AsSpan(0, 4 * p.Wo), data.AsSpan(4 * p.Wo, 4 * p.Wo));
        Taps(p.H, p.Ho, scaleH, data.AsSpan(8 * p.Wo, 4 * p.Ho), data.AsSpan(8 * p.Wo + 4 * p.Ho, 4 * p.Ho));
        var buffer = Pool.Rent(data.Length);
        Upload(data, buffer, 0);
        return buffer;
    }

    /// <summary>torch's bicubic source taps: real = scale·(o + 0.5) − 0.5, index clamped, 4 taps clamped to the border.</summary>
    private static void Taps(int inSize, int outSize, double scaleFactor, Span<float> idx, Span<float> wt)
    {
        double scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            double real = scale * (o + 0.5) - 0.5;
            double f = Math.Floor(real);
            int index = f > inSize - 1 ? inSize - 1 : f < -8 ? -8 : (int)f;
            float t = (float)Math.Clamp(real - index, 0.0, 1.0);
            for (int k = 0; k < 4; k++)
            {
                wt[4 * o + k] = DeviceMath.CubicWeight(t, k);
                idx[4 * o + k] = BitConverter.Int32BitsToSingle(Math.Clamp(index - 1 + k, 0, inSize - 1));
            }
        }
    }
}
