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

    public AdamWOptimizer(IEnumerable<(string Name, Tensor Value)> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        using var _ = TensorScope.Untracked();
        foreach (var (name, p) in parameters)
        {
            if (!p.RequiresGrad) continue;
            bool regularized = !(name.EndsWith(".bias", StringComparison.Ordinal) || p.Rank == 1);
            slots.Add(new Slot(name, p, regularized, Tensor.Zeros(p.Backend, p.Shape), Tensor.Zeros(p.Backend, p.Shape)));
        }
        if (slots.Count == 0) throw new ArgumentException("AdamWOptimizer: no trainable parameters");
        norms = Tensor.Zeros(slots[0].Param.Backend, [slots.Count]);
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    /// <summary>Steps taken (AdamW's bias correction counts from 1).</summary>
    public int StepCount { get; private set; }

    /// <summary>Names of the parameters that get weight decay (group 0) and those that do not (group 1).</summary>
    public IEnumerable<string> Regularized => slots.Where(s => s.Regularized).Select(s => s.Name);
    public IEnumerable<string> NotRegularized => slots.Where(s => !s.Regularized).Select(s => s.Name);

    /// <summary>
    /// Per-parameter clip: grad *= maxNorm / (‖grad‖ + 1e-6) where that factor is below 1.
    /// Returns the norms before clipping (parameters without a gradient are skipped, norm 0).
    /// </summary>
    public float[] ClipGradients(float maxNorm)
    {
        norms.Backend.Fill(norms, 0f);
        for (int i = 0; i < slots.Count; i++)
            if (slots[i].Param.Grad is { } g) Optim.SumOfSquares(g, norms, i);
        for (int i = 0; i < slots.Count; i++)
            if (slots[i].Param.Grad is { } g) Optim.ClipByNorm(g, norms, i, maxNorm);
        return Array.ConvertAll(norms.ToArray(), MathF.Sqrt);
    }

    /// <summary>Drops the gradients of parameters whose name contains "last_layer" (DINO freezes them during the first epochs).</summary>
    public void CancelLastLayerGradients()
    {
        foreach (var s in slots)
            if (s.Name.Contains("last_layer", StringComparison.Ordinal)) s.Param.ZeroGrad();
    }

    /// <summary>One AdamW update of every parameter that has a gradient; weightDecay applies to group 0 only.</summary>
    public void Step(float learningRate, float weightDecay)
    {
        StepCount++;
        foreach (var s in slots)
        {
            if (s.Param.Grad is not { } g) continue;
            Optim.AdamW(s.Param, g, s.M, s.V, new AdamWStep(learningRate, Beta1, Beta2, Eps, s.Regularized ? weightDecay : 0f, StepCount));
        }
    }

    public void Dispose()
    {
        foreach (var s in slots)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
        norms.Dispose();
    }

    private sealed record Slot(string Name, Tensor Param, bool Regularized, Tensor M, Tensor V);
}
