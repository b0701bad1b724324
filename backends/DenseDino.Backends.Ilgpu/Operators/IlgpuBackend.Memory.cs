using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Fill(Tensor y, float value)
    {
        if (y.Length == 0) return;
        K.Fill(Count(y.Length), V(y), value);
    }

    public void Copy(Tensor x, Tensor y)
    {
        if (y.Length == 0) return;
        V(x).SubView(0, y.Length).CopyTo(V(y).SubView(0, y.Length));
    }

    public void DropoutMask(ulong seed, float p, Tensor mask)
    {
        if (mask.Length == 0) return;
        K.Dropout(Count(mask.Length), V(mask), seed, p, 1f / (1f - p));
    }
}
