using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Nn.Tests;

internal static class TestBackend
{
    public static readonly IBackend Cpu = new CpuBackend(2);

    public static Tensor Random(Random rng, Shape shape, double scale = 1, bool requiresGrad = false)
    {
        var data = new float[shape.Length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        var t = Tensor.FromArray(Cpu, data, shape);
        t.RequiresGrad = requiresGrad;
        return t;
    }
}
