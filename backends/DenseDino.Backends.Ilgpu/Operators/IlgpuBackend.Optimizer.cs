using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Partial sums of SumOfSquares: at most this many groups, then one group adds them.
    private const int MaxPartials = 1024;

    public void SumOfSquares(Tensor x, Tensor result, int index)
    {
        var res = Whole(result).SubView(result.Offset, result.Length);
        if (x.Length == 0)
        {
            K.Fill(Count(1), res.SubView(index, 1), 0f);
            return;
        }
        int groups = (int)Math.Clamp((x.Length + RowGroup * 4L - 1) / (RowGroup * 4L), 1, MaxPartials);
        var partials = Pool.Rent(groups);
        var pv = ((IlgpuBuffer)partials).View(0, groups);
        K.SumOfSquaresPartial(new KernelConfig(new Index1D(groups), new Index1D(RowGroup)), V(x), pv, x.Length);
        K.SumPartials(new KernelConfig(new Index1D(1), new Index1D(RowGroup)), pv, groups, res, index);
        Pool.Return(partials);
    }

    public void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        if (x.Length == 0) return;
        K.Clip(Count(x.Length), V(x), V(sumSquares), index, maxNorm);
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, in AdamWFusion fusion)
    {
        if (param.Length == 0) return;
        float lr = step.LearningRate;
        float bc1 = 1f - MathF.Pow(step.Beta1, step.Step), bc2 = 1f - MathF.Pow(step.Beta2, step.Step);
        var args = new AdamArgs
        {
            Beta1 = step.Beta1, Beta2 = step.Beta2, Eps = step.Eps, Decay = 1f - lr * step.WeightDecay,
            StepSize = lr / bc1, InvSqrtBc2 = 1f / MathF.Sqrt(bc2),
            ClipIndex = fusion.ClipSumSquares is null ? -1 : fusion.ClipIndex, ClipMaxNorm = fusion.ClipMaxNorm,
            Ema = fusion.Teacher is null ? 0 : 1, Momentum = fusion.TeacherMomentum,
        };
        // Absent operands are bound to param's own view; the kernel's flags keep it from touching them.
        K.AdamW(Count(param.Length), V(param), V(grad), V(m), V(v),
            fusion.ClipSumSquares is { } ss ? V(ss) : V(param), fusion.Teacher is { } t ? V(t) : V(param), args);
    }

    public void Ema(Tensor teacher, Tensor student, float momentum)
    {
        if (teacher.Length == 0) return;
        K.Ema(Count(teacher.Length), V(teacher), V(student), momentum);
    }
}
