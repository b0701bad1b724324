using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// DINO's optimiser: AdamW over two groups (utils.get_params_groups: biases and 1-D parameters
/// get no weight decay), per-parameter gradient clipping (utils.clip_gradients) and the
/// last-layer freeze (utils.cancel_gradients_last_layer). Moments are untracked tensors that
/// live until Dispose.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly List<Slot> slots = new();
    private readonly Tensor norms;   // [P] per-parameter sum of squares (untracked)
    // When every parameter sits in one arena with a gradient slot: moments laid out like it, so the
    // clip's norms and the update (with the teacher's EMA) are one launch each for all parameters.
    private readonly ParameterArena? arena;
    private readonly Tensor? flatM, flatV;
    private readonly FlatSegment[] segments = [];

    public AdamWOptimizer(IEnumerable<(string Name, Tensor Value)> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        using var _ = TensorScope.Untracked();
        var trainable = parameters.Where(p => p.Value.RequiresGrad).ToList();
        if (trainable.Count == 0) throw new ArgumentException("AdamWOptimizer: no trainable parameters");
        var first = trainable[0].Value;
        if (first.Arena is { Gradients: not null } a && trainable.All(p => ReferenceEquals(p.Value.Arena, a) && a.HasGradientSlot(p.Value)))
        {
            arena = a;
            flatM = Tensor.Zeros(first.Backend, [checked((int)a.Length)]);
            flatV = Tensor.Zeros(first.Backend, [checked((int)a.Length)]);
            segments = trainable.Select(p => new FlatSegment(a.OffsetOf(p.Value), p.Value.Length)).ToArray();
        }
        foreach (var (name, p) in trainable)
        {
            bool regularized = !(name.EndsWith(".bias", StringComparison.Ordinal) || p.Rank == 1);
            var m = arena is null ? Tensor.Zeros(p.Backend, p.Shape) : arena.ViewOf(flatM!, p);
            var v = arena is null ? Tensor.Zeros(p.Backend, p.Shape) : arena.ViewOf(flatV!, p);
            slots.Add(new Slot(name, p, regularized, m, v));
        }
        norms = Tensor.Zeros(first.Backend, [slots.Count]);
    }

    /// <summary>True when the update is one pass over flat buffers (the parameters were gathered into one arena).</summary>
    public bool IsFlat => arena is not null;

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    /// <summary>Calls to <see cref="Step"/>.</summary>
    public int StepCount { get; private set; }

    /// <summary>
    /// Each parameter's moments and its own update count (torch keeps one per parameter: a
    /// parameter whose gradient was dropped, e.g. the frozen last layer, does not advance its
    /// bias correction). Checkpoints save and restore these.
    /// </summary>
    public IEnumerable<(string Name, Tensor M, Tensor V, int Steps)> Moments =>
        slots.Select(s => (s.Name, s.M, s.V, s.Steps));

    /// <summary>Restores the step counters written by a checkpoint (moments are restored through <see cref="Moments"/>).</summary>
    public void RestoreStepCounts(int stepCount, IReadOnlyDictionary<string, int> perParameter)
    {
        if (stepCount < 0) throw new ArgumentException($"AdamWOptimizer: stepCount must be >= 0, got {stepCount}");
        foreach (var s in slots)
        {
            if (!perParameter.TryGetValue(s.Name, out int n))
                throw new KeyNotFoundException($"AdamWOptimizer: no step count for '{s.Name}'");
            if (n < 0 || n > stepCount) throw new ArgumentException($"AdamWOptimizer: step count {n} of '{s.Name}' must be in [0, {stepCount}]");
            s.Steps = n;
        }
        StepCount = stepCount;
    }

    /// <summary>Names of the parameters that get weight decay (group 0) and those that do not (group 1).</summary>
    public IEnumerable<string> Regularized => slots.Where(s => s.Regularized).Select(s => s.Name);
    public IEnumerable<string> NotRegularized => slots.Where(s => !s.Regularized).Select(s => s.Name);

    /// <summary>
    /// Per-parameter clip: grad *= maxNorm / (‖grad‖ + 1e-6) where that factor is below 1.
    /// Returns the norms before clipping (parameters without a gradient are skipped, norm 0).
    /// </summary>
    public float[] ClipGradients(float maxNorm)
    {
        MeasureGradientNorms();
        for (int i = 0; i < slots.Count; i++)
            if (slots[i].Param.Grad is { } g) Optim.ClipByNorm(g, norms, i, maxNorm);
        return Array.ConvertAll(norms.ToArray(), MathF.Sqrt);
    }

    // norms[i] = Σ grad² of slot i (0 without a gradient), on the device.
    private void MeasureGradientNorms()
    {
        if (arena is not null)
        {
            // a slot without a gradient holds zeros
            Optim.SumOfSquares(arena.Gradients!, segments, norms);
            return;
        }
        norms.Backend.Fill(norms, 0f);
        for (int i = 0; i < slots.Count; i++)
            if (slots[i].Param.Grad is { } g) Optim.SumOfSquares(g, norms, i);
    }

    /// <summary>Drops the gradients of parameters whose name contains "last_layer" (DINO freezes them during the first epochs).</summary>
    public void CancelLastLayerGradients()
    {
        foreach (var s in slots)
            if (s.Name.Contains("last_layer", StringComparison.Ordinal)) s.Param.ZeroGrad();
    }

    /// <summary>One AdamW update of every parameter that has a gradient; weightDecay applies to group 0 only.</summary>
    public void Step(float learningRate, float weightDecay) => Step(learningRate, weightDecay, 0f, null, 0f);

    /// <summary>
    /// A training step's whole update, one pass over each parameter's tensors: the per-parameter clip of
    /// <see cref="ClipGradients"/> when clipMaxNorm &gt; 0 (the norms are measured first; the gradients are
    /// read scaled, not rewritten), the AdamW step, and teacher ← m·teacher + (1 − m)·parameter for every
    /// stepped parameter whose name <paramref name="teacher"/> maps. Returns the names whose teacher was
    /// updated: the caller updates the others (parameters without a gradient, or not trained).
    /// </summary>
    public IReadOnlySet<string> Step(float learningRate, float weightDecay, float clipMaxNorm,
        IReadOnlyDictionary<string, Tensor>? teacher, float momentum)
    {
        StepCount++;
        if (clipMaxNorm > 0) MeasureGradientNorms();
        if (arena is not null && slots.All(s => arena.GradientIsInSlot(s.Param)))
            return FlatStep(learningRate, weightDecay, clipMaxNorm, teacher, momentum);
        var updated = new HashSet<string>();
        for (int i = 0; i < slots.Count; i++)
        {
            var s = slots[i];
            if (s.Param.Grad is not { } g) continue;
            s.Steps++;
            Tensor? t = teacher is not null && teacher.TryGetValue(s.Name, out var tt) ? tt : null;
            if (t is not null) updated.Add(s.Name);
            Optim.AdamW(s.Param, g, s.M, s.V, new AdamWStep(learningRate, Beta1, Beta2, Eps, s.Regularized ? weightDecay : 0f, s.Steps),
                new AdamWFusion(clipMaxNorm > 0 ? norms : null, i, clipMaxNorm, t, momentum));
        }
        return updated;
    }

    // Step's update as one launch over the arena: a segment per parameter with a gradient.
    private IReadOnlySet<string> FlatStep(float learningRate, float weightDecay, float clipMaxNorm,
        IReadOnlyDictionary<string, Tensor>? teacher, float momentum)
    {
        var stepped = new List<AdamWSegment>(slots.Count);
        var names = new HashSet<string>();
        for (int i = 0; i < slots.Count; i++)
        {
            var s = slots[i];
            if (s.Param.Grad is null) continue;
            s.Steps++;
            names.Add(s.Name);
            var step = new AdamWStep(learningRate, Beta1, Beta2, Eps, s.Regularized ? weightDecay : 0f, s.Steps);
            stepped.Add(AdamWSegment.For(segments[i].Start, segments[i].Length, step, clipIndex: i));
        }
        var t = TeacherLaidOutLikeArena(teacher, names);
        Optim.AdamW(arena!.Values, arena.Gradients!, flatM!, flatV!, stepped.ToArray(),
            new AdamWPass(Beta1, Beta2, Eps, clipMaxNorm > 0 ? norms : null, clipMaxNorm, t, momentum));
        return t is null ? new HashSet<string>() : names;
    }

    // The teacher's flat buffer when each stepped parameter's teacher sits at the same offset of an arena of the same
    // length (a teacher model of the same architecture, flattened); else null and the caller runs the EMA itself.
    private Tensor? TeacherLaidOutLikeArena(IReadOnlyDictionary<string, Tensor>? teacher, HashSet<string> stepped)
    {
        if (teacher is null || stepped.Count == 0) return null;
        ParameterArena? theirs = null;
        foreach (var s in slots)
        {
            if (!stepped.Contains(s.Name)) continue;
            if (!teacher.TryGetValue(s.Name, out var t) || t.Arena is not { } ta || ta.Length != arena!.Length
                || (theirs is not null && !ReferenceEquals(ta, theirs)) || ta.OffsetOf(t) != arena.OffsetOf(s.Param) || t.Shape != s.Param.Shape)
                return null;
            theirs = ta;
        }
        return theirs!.Values;
    }

    public void Dispose()
    {
        foreach (var s in slots)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
        flatM?.Dispose();
        flatV?.Dispose();
        norms.Dispose();
    }

    private sealed record Slot(string Name, Tensor Param, bool Regularized, Tensor M, Tensor V)
    {
        public int Steps { get; set; }
    }
}
