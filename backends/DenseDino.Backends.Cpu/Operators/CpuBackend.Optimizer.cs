using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void SumOfSquares(Tensor x, Tensor result, int index)
    {
        float* p = Ptr(x);
        double total = 0;
        object gate = new();
        // Per-chunk float sums of at most 64K elements, combined in double.
        ForChunks(x.Length, (s, n) =>
        {
            double acc = 0;
            for (int i = 0; i < n; i += 65536)
                acc += TensorPrimitives.SumOfSquares(new ReadOnlySpan<float>(p + s + i, Math.Min(65536, n - i)));
            lock (gate) total += acc;
        });
        Ptr(result)[index] = (float)total;
    }

    public void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        float coef = ClipFactor(Ptr(sumSquares)[index], maxNorm);
        if (coef >= 1f) return;
        float* p = Ptr(x);
        ForChunks(x.Length, (s, n) => TensorPrimitives.Multiply(new ReadOnlySpan<float>(p + s, n), coef, new Span<float>(p + s, n)));
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, in AdamWFusion fusion)
    {
        float* pp = Ptr(param), pg = Ptr(grad), pm = Ptr(m), pv = Ptr(v);
        // torch.optim.AdamW: decay, then p −= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)
        float lr = step.LearningRate, b1 = step.Beta1, b2 = step.Beta2, eps = step.Eps;
        float decay = 1f - lr * step.WeightDecay;
        float bc1 = 1f - MathF.Pow(b1, step.Step), bc2 = 1f - MathF.Pow(b2, step.Step);
        float stepSize = lr / bc1, invSqrtBc2 = 1f / MathF.Sqrt(bc2);
        // The clip as ClipByNorm computes it; a factor of 1 leaves the gradient's bits alone, as not clipping does.
        float clip = fusion.ClipSumSquares is { } ss ? ClipFactor(Ptr(ss)[fusion.ClipIndex], fusion.ClipMaxNorm) : 1f;
        bool scale = clip < 1f;
        float* pt = fusion.Teacher is { } teacher ? Ptr(teacher) : null;
        float tm = fusion.TeacherMomentum, sm = 1f - tm;
        ForChunks(param.Length, (s, n) =>
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vb1 = Vector256.Create(b1); var vb1c = Vector256.Create(1 - b1);
                var vb2 = Vector256.Create(b2); var vb2c = Vector256.Create(1 - b2);
                var vdecay = Vector256.Create(decay); var vstep = Vector256.Create(stepSize);
                var vinv = Vector256.Create(invSqrtBc2); var veps = Vector256.Create(eps);
                var vclip = Vector256.Create(clip); var vtm = Vector256.Create(tm); var vsm = Vector256.Create(sm);
                for (; i <= n - 8; i += 8)
                {
                    long at = s + i;
                    var g = Vector256.Load(pg + at);
                    if (scale) g *= vclip;
                    var mm = vb1 * Vector256.Load(pm + at) + vb1c * g;
                    var vv = vb2 * Vector256.Load(pv + at) + vb2c * g * g;
                    mm.Store(pm + at);
                    vv.Store(pv + at);
                    var p = Vector256.Load(pp + at) * vdecay - vstep * mm / (Vector256.Sqrt(vv) * vinv + veps);
                    p.Store(pp + at);
                    // the teacher's EMA as Ema computes it: t·m, then s·(1 − m) added
                    if (pt != null) (p * vsm + Vector256.Load(pt + at) * vtm).Store(pt + at);
                }
            }
            for (; i < n; i++)
            {
                long at = s + i;
                float g = scale ? pg[at] * clip : pg[at];
                float mm = b1 * pm[at] + (1 - b1) * g;
                float vv = b2 * pv[at] + (1 - b2) * g * g;
                pm[at] = mm;
                pv[at] = vv;
                float p = pp[at] * decay - stepSize * mm / (MathF.Sqrt(vv) * invSqrtBc2 + eps);
                pp[at] = p;
                if (pt != null) pt[at] = p * sm + pt[at] * tm;
            }
        });
    }

    /// <summary>DINO's clip_gradients factor, maxNorm / (‖g‖ + 1e-6): applied only where it is below 1.</summary>
    private static float ClipFactor(float sumSquares, float maxNorm) => maxNorm / (MathF.Sqrt(sumSquares) + 1e-6f);

    public void Ema(Tensor teacher, Tensor student, float momentum)
    {
        float* pt = Ptr(teacher), ps = Ptr(student);
        ForChunks(teacher.Length, (s, n) =>
        {
            var t = new Span<float>(pt + s, n);
            // t = m·t + (1 − m)·s
            TensorPrimitives.Multiply(t, momentum, t);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(ps + s, n), 1f - momentum, t, t);
        });
    }
}
