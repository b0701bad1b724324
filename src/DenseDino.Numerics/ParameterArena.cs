namespace DenseDino.Numerics;

/// <summary>
/// Parameters moved into one buffer, and the gradients of those that train into a second laid out alike, so
/// that an optimiser pass over all of them is one launch instead of one per tensor (a ViT has ~150). Each
/// parameter stays a tensor of its own shape, now a view at its offset; backward adds its gradient straight
/// into its slot of <see cref="Gradients"/>. Offsets are multiples of <see cref="Alignment"/> floats (256 bytes,
/// what cuBLAS and vector loads like); the padding is zero in every buffer laid out like the arena.
/// </summary>
public sealed class ParameterArena : IDisposable
{
    public const int Alignment = 64;
    private readonly Dictionary<Tensor, long> offsets = new(ReferenceEqualityComparer.Instance);
    private readonly List<Tensor> members;

    private ParameterArena(Tensor values, Tensor? gradients, List<Tensor> members)
    {
        Values = values;
        Gradients = gradients;
        this.members = members;
    }

    /// <summary>[Length]: every member's data at its offset.</summary>
    public Tensor Values { get; }
    /// <summary>[Length]: the gradient slots of the members that required a gradient when gathered (null when none did).</summary>
    public Tensor? Gradients { get; }
    public long Length => Values.Length;
    public IReadOnlyList<Tensor> Members => members;

    /// <summary>
    /// Moves <paramref name="parameters"/> (leaves on one backend, no views of them alive, no gradient yet) into a new arena,
    /// in order. Their values are unchanged; only where they live.
    /// </summary>
    public static ParameterArena Gather(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count == 0) throw new ArgumentException("ParameterArena: no parameters to gather");
        var backend = parameters[0].Backend;
        var starts = new long[parameters.Count];
        long length = 0;
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            string name = p.Name ?? $"parameter {i} {p.Shape}";
            p.ThrowIfDisposed();
            if (!seen.Add(p)) throw new ArgumentException($"ParameterArena: {name} is listed twice");
            if (!ReferenceEquals(p.Backend, backend)) throw new ArgumentException($"ParameterArena: {name} is on {p.Backend.Name}, the first parameter on {backend.Name}");
            if (!p.IsLeaf) throw new ArgumentException($"ParameterArena: {name} is computed, not a leaf parameter");
            if (p.Arena is not null) throw new ArgumentException($"ParameterArena: {name} is already in an arena");
            if (p.Grad is not null) throw new ArgumentException($"ParameterArena: {name} holds a gradient; call ZeroGrad first");
            if (!p.Storage.IsExclusive) throw new ArgumentException($"ParameterArena: {name} shares its buffer with views; gather parameters before taking views");
            starts[i] = length;
            length += (p.Length + Alignment - 1) / Alignment * Alignment;
        }
        Tensor values, gradients = null!;
        bool anyTrainable = parameters.Any(p => p.RequiresGrad);
        using (TensorScope.Untracked())
        {
            values = Tensor.Zeros(backend, [checked((int)length)]);
            if (anyTrainable) gradients = Tensor.Zeros(backend, [checked((int)length)]);
        }
        var arena = new ParameterArena(values, anyTrainable ? gradients : null, parameters.ToList());
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using (var slot = values.View(starts[i], p.Shape))
            {
                backend.Copy(p, slot);
                p.Rebind(values.Storage, starts[i]);
            }
            p.Arena = arena;
            arena.offsets[p] = starts[i];
            if (p.RequiresGrad)
                using (TensorScope.Untracked()) p.GradSlot = gradients.View(starts[i], p.Shape);
        }
        return arena;
    }

    /// <summary>True when <paramref name="member"/> has a gradient slot (it required a gradient when gathered).</summary>
    public bool HasGradientSlot(Tensor member) => offsets.ContainsKey(member) && member.GradSlot is not null;

    /// <summary>True when <paramref name="member"/>'s gradient, if any, is its slot (backward put it there).</summary>
    public bool GradientIsInSlot(Tensor member) => member.Grad is null || ReferenceEquals(member.Grad, member.GradSlot);

    /// <summary>Where <paramref name="member"/> starts in the arena's buffers.</summary>
    public long OffsetOf(Tensor member) =>
        offsets.TryGetValue(member, out long at) ? at : throw new ArgumentException($"ParameterArena: {member} is not a member");

    /// <summary>A view of <paramref name="flat"/> (any [Length] buffer laid out like this arena) shaped like <paramref name="member"/>.</summary>
    public Tensor ViewOf(Tensor flat, Tensor member)
    {
        if (flat.Length != Length) throw new ArgumentException($"ParameterArena.ViewOf: buffer {flat.Shape} is not laid out like the arena ({Length} elements)");
        return flat.View(OffsetOf(member), member.Shape);
    }

    /// <summary>Every member's gradient dropped with one fill of the gradient buffer (nothing to do when none has one).</summary>
    public void ZeroGradients()
    {
        bool any = false;
        foreach (var p in members)
        {
            if (p.Grad is null) continue;
            any = true;
            if (!ReferenceEquals(p.Grad, p.GradSlot)) p.ZeroGrad();   // not in a slot: its own tensor
            p.Grad = null;
        }
        if (any && Gradients is not null) Values.Backend.Fill(Gradients, 0f);
    }

    /// <summary>Releases the arena's own references; members keep the buffer alive until they are disposed.</summary>
    public void Dispose()
    {
        foreach (var p in members)
        {
            if (ReferenceEquals(p.Grad, p.GradSlot)) p.Grad = null;
            p.GradSlot?.Dispose();
            p.GradSlot = null;
        }
        Values.Dispose();
        Gradients?.Dispose();
    }
}
