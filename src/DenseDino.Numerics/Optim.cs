namespace DenseDino.Numerics;

/// <summary>Optimiser primitives on parameter tensors (outside autograd), validated then run on the backend.</summary>
public static class Optim
{
    /// <summary>Σ x² into result[index] (a device scalar).</summary>
    public static void SumOfSquares(Tensor x, Tensor result, int index)
    {
        if (index < 0 || index >= result.Length) throw new ArgumentException($"SumOfSquares: index {index} outside result {result.Shape}");
        using var entry = result.View(index, [1]);
        SumOfSquares(x, [new FlatSegment(0, x.Length)], entry);
    }

    /// <summary>result[k] = Σ x² over segments[k] of the flat x (many parameters' norms in one pass).</summary>
    public static void SumOfSquares(Tensor x, ReadOnlySpan<FlatSegment> segments, Tensor result)
    {
        Check.SameBackend("SumOfSquares", x, result, "x", "result");
        if (segments.Length > result.Length) throw new ArgumentException($"SumOfSquares: {segments.Length} segments, result {result.Shape} holds {result.Length}");
        for (int k = 0; k < segments.Length; k++) CheckSegment("SumOfSquares", k, segments[k].Start, segments[k].Length, x);
        if (segments.Length > 0) x.Backend.SumOfSquares(x, segments, result);
    }

    /// <summary>DINO's per-tensor clip: x *= max_norm / (‖x‖ + 1e-6) when that factor is below 1.</summary>
    public static void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        Check.SameBackend("ClipByNorm", x, sumSquares, "x", "sumSquares");
        if (index < 0 || index >= sumSquares.Length) throw new ArgumentException($"ClipByNorm: index {index} outside sumSquares {sumSquares.Shape}");
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipByNorm: maxNorm must be > 0, got {maxNorm}");
        x.Backend.ClipByNorm(x, sumSquares, index, maxNorm);
    }

    /// <summary>One AdamW step of one tensor; <paramref name="fusion"/> may fold the gradient clip and the teacher's EMA into the same pass.</summary>
    public static void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, in AdamWFusion fusion = default)
    {
        Check.ShapeEquals("AdamW", "grad", grad, param.Shape);
        Check.ShapeEquals("AdamW", "m", m, param.Shape);
        Check.ShapeEquals("AdamW", "v", v, param.Shape);
        if (fusion.Teacher is { } t) Check.ShapeEquals("AdamW", "teacher", t, param.Shape);
        if (step.Step < 1) throw new ArgumentException($"AdamW: step counts from 1, got {step.Step}");
        AdamW(param, grad, m, v, [AdamWSegment.For(0, param.Length, step, fusion.ClipIndex)],
            new AdamWPass(step.Beta1, step.Beta2, step.Eps, fusion.ClipSumSquares, fusion.ClipMaxNorm, fusion.Teacher, fusion.TeacherMomentum));
    }

    /// <summary>One AdamW step of every segment of flat param/grad/m/v buffers (and the teacher's): one pass for many parameters.</summary>
    public static void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, ReadOnlySpan<AdamWSegment> segments, in AdamWPass pass)
    {
        const string op = "AdamW";
        Check.SameBackend(op, param, grad, "param", "grad");
        Check.SameBackend(op, param, m, "param", "m");
        Check.SameBackend(op, param, v, "param", "v");
        foreach (var (name, t) in new[] { ("grad", grad), ("m", m), ("v", v), ("teacher", pass.Teacher) })
            if (t is not null && t.Length != param.Length) throw new ArgumentException($"{op}: {name} {t.Shape} has {t.Length} elements, param {param.Shape} has {param.Length}");
        if (pass.Teacher is { } teacher) Check.SameBackend(op, param, teacher, "param", "teacher");
        if (pass.ClipSumSquares is { } ss)
        {
            Check.SameBackend(op, param, ss, "param", "clip sum of squares");
            if (!(pass.ClipMaxNorm > 0)) throw new ArgumentException($"{op}: clip max norm must be > 0, got {pass.ClipMaxNorm}");
        }
        for (int k = 0; k < segments.Length; k++)
        {
            var s = segments[k];
            CheckSegment(op, k, s.Start, s.Length, param);
            if (pass.ClipSumSquares is { } sums && (s.ClipIndex < 0 || s.ClipIndex >= sums.Length))
                throw new ArgumentException($"{op}: segment {k}'s clip index {s.ClipIndex} outside {sums.Shape}");
            if (!float.IsFinite(s.StepSize) || !float.IsFinite(s.InvSqrtBc2) || !float.IsFinite(s.Decay))
                throw new ArgumentException($"{op}: segment {k} has non-finite scalars (step size {s.StepSize}, 1/sqrt(bc2) {s.InvSqrtBc2}, decay {s.Decay}); steps count from 1");
        }
        if (segments.Length > 0) param.Backend.AdamW(param, grad, m, v, segments, pass);
    }

    private static void CheckSegment(string op, int k, long start, long length, Tensor x)
    {
        if (start < 0 || length < 0 || start > x.Length - length)
            throw new ArgumentException($"{op}: segment {k} [{start}, {start}+{length}) outside {x.Shape} ({x.Length} elements)");
    }

    public static void Ema(Tensor teacher, Tensor student, float momentum)
    {
        Check.SameBackend("Ema", teacher, student, "teacher", "student");
        Check.ShapeEquals("Ema", "student", student, teacher.Shape);
        teacher.Backend.Ema(teacher, student, momentum);
    }
}
