namespace DenseDino.Numerics;

/// <summary>
/// A nestable lifetime: every tensor created on this thread while the scope is innermost is
/// disposed with it (its buffer goes back to the pool), unless moved out with <see cref="Keep"/>.
/// Wrap a training step in one scope and the step's intermediates are recycled next step.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;
    private readonly TensorScope? parent;
    private readonly bool untracked;
    private readonly List<Tensor> tensors = new();
    private bool disposed;

    private TensorScope(TensorScope? parent, bool untracked)
    {
        this.parent = parent;
        this.untracked = untracked;
    }

    public static TensorScope? Current => current is { untracked: true } ? null : current;

    /// <summary>Opens a scope that owns the tensors created inside it.</summary>
    public static TensorScope Begin() => current = new TensorScope(current, untracked: false);

    /// <summary>Opens a region whose tensors no scope owns (parameters, optimiser state).</summary>
    public static TensorScope Untracked() => current = new TensorScope(current, untracked: true);

    /// <summary>Tensors this scope will dispose.</summary>
    public int Count => tensors.Count(t => t.Scope == this && !t.IsDisposed);

    internal static void Track(Tensor t)
    {
        var scope = current;
        if (scope is null || scope.untracked) return;
        t.Scope = scope;
        scope.tensors.Add(t);
    }

    /// <summary>Moves a tensor to the enclosing scope (or to no scope), so it outlives this one.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.Scope != this) return tensor;
        var outer = parent;
        while (outer is { untracked: true }) outer = outer.parent;
        tensor.Scope = outer;
        outer?.tensors.Add(tensor);
        return tensor;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current != this) throw new InvalidOperationException("TensorScope: scopes must be disposed innermost first");
        current = parent;
        foreach (var t in tensors)
            if (t.Scope == this) t.Dispose();
        tensors.Clear();
    }
}
