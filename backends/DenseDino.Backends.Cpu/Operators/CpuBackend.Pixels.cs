using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void PixelsToChw(Tensor packed, Tensor lut, Tensor images)
    {
        int n = images.Shape[0], h = images.Shape[2], w = images.Shape[3], plane = h * w;
        long per = PixelPacking.FloatsPerImage(h, w);
        // The packed floats are bytes: read them as such (little-endian, as the loader wrote them).
        byte* src = (byte*)Ptr(packed);
        float* table = Ptr(lut), dst = Ptr(images);
        CpuParallelRows((long)n * 3, plane, r =>
        {
            long i = r / 3;
            int c = (int)(r % 3);
            byte* s = src + i * per * 4 + c;
            float* t = table + c * 256, d = dst + r * plane;
            for (int p = 0; p < plane; p++) d[p] = t[s[3 * p]];
        });
    }
}
