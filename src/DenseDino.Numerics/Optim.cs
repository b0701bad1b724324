namespace DenseDino.Numerics;

/// <summary>Optimiser primitives on parameter tensors (outside autograd), validated then run on the backend.</summary>
public static class Optim
{
    /// <summary>Σ x² into result[index] (a device scalar).</summary>
    public static void SumOfSquares(Tensor x, Tensor result, int index)
    {
        Check.SameBackend("SumOfSquares", x, result, "x", "result");
        if (index < 0 || index >= result.Length) throw new ArgumentException($"SumOfSquares: index {index} outside result {result.Shape}");
        x.Backend.SumOfSquares(x, result, index);
    }

    /// <summary>DINO's per-tensor clip: x *= max_norm / (‖x‖ + 1e-6) when that factor is below 1.</summary>
    public static void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        Check.SameBackend("ClipByNorm", x, sumSquares, "x", "sumSquares");
        if (index < 0 || index >= sumSquares.Length) throw new ArgumentException($"ClipByNorm: index {index} outside sumSquares {sumSquares.Shape}");
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipByNorm: maxNorm must be > 0, got {maxNorm}");
        x.Backend.ClipByNorm(x, sumSquares, index, maxNorm);
    }

    /// <summary>One AdamW step; <paramref name="fusion"/> may fold the gradient clip and the teacher's EMA into the same pass.</summary>
    public static void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, in AdamWFusion fusion = default)
    {
        Check.SameBackend("AdamW", param, grad, "param", "grad");
        Check.ShapeEquals("AdamW", "grad", grad, param.Shape);
        Check.ShapeEquals("AdamW", "m", m, param.Shape);
        Check.ShapeEquals("AdamW", "v", v, param.Shape);
        if (step.Step < 1) throw new ArgumentException($"AdamW: step counts from 1, got {step.Step}");
        if (fusion.ClipSumSquares is { } ss)
        {
            Check.SameBackend("AdamW", param, ss, "param", "clip sum of squares");
            if (fusion.ClipIndex < 0 || fusion.ClipIndex >= ss.Length) throw new ArgumentException($"AdamW: clip index {fusion.ClipIndex} outside {ss.Shape}");
            if (!(fusion.ClipMaxNorm > 0)) throw new ArgumentException($"AdamW: clip max norm must be > 0, got {fusion.ClipMaxNorm}");
        }
        if (fusion.Teacher is { } t)
        {
            Check.SameBackend("AdamW", param, t, "param", "teacher");
            Check.ShapeEquals("AdamW", "teacher", t, param.Shape);
        }
        param.Backend.AdamW(param, grad, m, v, step, fusion);
    }

    public static void Ema(Tensor teacher, Tensor student, float momentum)
    {
        Check.SameBackend("Ema", teacher, student, "teacher", "student");
        Check.ShapeEquals("Ema", "student", student, teacher.Shape);
        teacher.Backend.Ema(teacher, student, momentum);
    }
}
