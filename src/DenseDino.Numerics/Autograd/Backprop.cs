namespace DenseDino.Numerics.Autograd;

/// <summary>Reverse-mode differentiation: sort the graph, walk it backwards, accumulate.</summary>
public static class Backprop
{
    /// <summary>
    /// Accumulates d(root)/d(leaf) into every leaf's Grad. root must hold one element unless
    /// <paramref name="gradient"/> (root's shape) is given.
    /// </summary>
    public static void Backward(this Tensor root, Tensor? gradient = null)
    {
        if (!root.RequiresGrad) throw new InvalidOperationException($"Backward: {root} does not require a gradient (no parameter reaches it)");
        if (gradient is null && root.Length != 1)
            throw new ArgumentException($"Backward: root has shape {root.Shape}; pass a gradient of that shape for non-scalar roots");
        if (gradient is not null && gradient.Shape != root.Shape)
            throw new ArgumentException($"Backward: gradient {gradient.Shape} does not match root {root.Shape}");

        var order = TopologicalOrder(root);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        // How many pending entries of grads hold each gradient tensor: one a function returned may be
        // handed to several inputs, so a gradient is freed only once nothing pending refers to it.
        var holds = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var finished = new List<Tensor>();
        using var noGrad = GradMode.NoGrad();
        grads[root] = gradient ?? Tensor.Full(root.Backend, root.Shape, 1f);
        holds[grads[root]] = 1;

        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (!grads.Remove(node, out var g)) continue; // not on a path from root
            finished.Add(g);
            holds[g]--;
            if (node.GradFn is not { } fn)
            {
                bool adoptable = holds.GetValueOrDefault(g) == 0 && g.Storage.IsExclusive && !ReferenceEquals(g, gradient);
                if (AccumulateLeaf(node, g, adoptable)) finished.Remove(g);
                Free(finished, holds, gradient);
                continue;
            }
            var inPlace = fn.AddsIntoPendingGradients ? PendingGradients(fn, g, grads, holds, gradient) : null;
            var inputGrads = inPlace is null ? fn.Backward(g) : fn.Backward(g, inPlace);
            if (inputGrads.Length != fn.Inputs.Length)
                throw new InvalidOperationException($"{fn.Name}: backward returned {inputGrads.Length} gradients for {fn.Inputs.Length} inputs");
            for (int k = 0; k < fn.Inputs.Length; k++)
            {
                var input = fn.Inputs[k];
                if (input is null || !(input.RequiresGrad || input.GradFn is not null)) continue;
                var ig = inputGrads[k] ?? throw new InvalidOperationException($"{fn.Name}: no gradient for input {k} {input.Shape}, which requires one");
                if (ig.Shape != input.Shape)
                    throw new InvalidOperationException($"{fn.Name}: gradient for input {k} has shape {ig.Shape}, input has {input.Shape}");
                if (inPlace?[k] is { } added && ReferenceEquals(ig, added))
                {
                    // already summed in place; a leaf's arena slot now holds its gradient
                    if (ReferenceEquals(added, input.GradSlot)) input.SetGrad(added);
                    continue;
                }
                // Out of place: a function may hand the same tensor to several inputs.
                if (grads.TryGetValue(input, out var existing))
                {
                    var sum = Sum(existing, ig);
                    grads[input] = sum;
                    holds[sum] = 1;
                    holds[existing]--;
                    finished.Add(existing);
                    finished.Add(ig);
                }
                else
                {
                    grads[input] = ig;
                    holds[ig] = holds.GetValueOrDefault(ig) + 1;
                }
            }
            Free(finished, holds, gradient);
        }
    }

    /// <summary>
    /// Per input that appears once: a parameter's arena slot (its gradient so far, zeros if none), else its
    /// pending gradient where only Backprop holds it and it is not the node's own output gradient (an op
    /// must not write what it reads), else null.
    /// </summary>
    private static Tensor?[] PendingGradients(Function fn, Tensor outputGrad, Dictionary<Tensor, Tensor> grads, Dictionary<Tensor, int> holds, Tensor? callers)
    {
        var pending = new Tensor?[fn.Inputs.Length];
        for (int k = 0; k < pending.Length; k++)
        {
            if (fn.Inputs[k] is not { } input || fn.Inputs.Count(x => ReferenceEquals(x, input)) != 1) continue;
            if (input.IsLeaf && input.RequiresGrad && input.GradSlot is { } slot && (input.Grad is null || ReferenceEquals(input.Grad, slot)))
                pending[k] = slot;
            else if (grads.TryGetValue(input, out var p) && holds.GetValueOrDefault(p) == 1 && p.Storage.IsExclusive
                && !ReferenceEquals(p, callers) && !ReferenceEquals(p, outputGrad))
                pending[k] = p;
        }
        return pending;
    }

    /// <summary>
    /// Returns to the pool the gradients used up by the last node that no pending entry holds, so
    /// backward's peak memory is the live frontier rather than every activation's gradient. The
    /// caller's own gradient is never disposed; views keep their storage alive by reference count.
    /// </summary>
    private static void Free(List<Tensor> finished, Dictionary<Tensor, int> holds, Tensor? callers)
    {
        foreach (var t in finished)
        {
            if (holds.GetValueOrDefault(t) > 0 || ReferenceEquals(t, callers)) continue;
            holds.Remove(t);
            t.Dispose();
        }
        finished.Clear();
    }

    /// <summary>
    /// Adds g into leaf.Grad. A leaf without a gradient yet takes g itself when nothing else can
    /// see it (<paramref name="adoptable"/>: no pending entry, no view), instead of a copy; returns
    /// whether it did, so the caller does not free it.
    /// </summary>
    private static bool AccumulateLeaf(Tensor leaf, Tensor g, bool adoptable)
    {
        if (!leaf.RequiresGrad) return false;
        if (leaf.Grad is not null)
        {
            AddInPlace(leaf.Grad, g);
            return false;
        }
        if (leaf.GradSlot is { } slot)
        {
            leaf.Backend.Copy(g, slot);
            leaf.SetGrad(slot);
            return false;
        }
        if (adoptable)
        {
            g.Scope = null;   // the leaf owns it now, as it would own a copy made outside any scope
            leaf.SetGrad(g);
            return true;
        }
        using var _ = TensorScope.Untracked();
        var copy = Tensor.Empty(leaf.Backend, leaf.Shape);
        leaf.Backend.Copy(g, copy);
        leaf.SetGrad(copy);
        return false;
    }

    private static void AddInPlace(Tensor target, Tensor g) => target.Backend.Binary(BinaryOp.Add, target, g, target);

    private static Tensor Sum(Tensor a, Tensor b)
    {
        var y = Tensor.Empty(a.Backend, a.Shape);
        a.Backend.Binary(BinaryOp.Add, a, b, y);
        return y;
    }

    /// <summary>
    /// Tensors reachable from root, each after all tensors it depends on, ops in the order they were
    /// recorded (as PyTorch's engine runs them): backward then finishes one block before the next,
    /// so a gradient two branches share (the reference tokens' and the patches' qkv) lives for one
    /// block, not until a depth-first walk of the other branch comes back to it. Leaves come first.
    /// </summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var reachable = Reachable(root);
        var order = reachable.OrderBy(t => t.GradFn?.Sequence ?? 0).ToList();
        return RespectsDependencies(order) ? order : reachable;
    }

    /// <summary>
    /// Recording order is a dependency order unless a function was recorded before one of its inputs'
    /// (an op built by hand); then the depth-first order stands.
    /// </summary>
    private static bool RespectsDependencies(List<Tensor> order)
    {
        var position = new Dictionary<Tensor, int>(order.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < order.Count; i++) position[order[i]] = i;
        for (int i = 0; i < order.Count; i++)
            foreach (var input in order[i].GradFn?.Inputs ?? [])
                if (input is not null && position.TryGetValue(input, out int p) && p >= i) return false;
        return true;
    }

    /// <summary>Depth-first post-order of the tensors reachable from root: each after its inputs.</summary>
    private static List<Tensor> Reachable(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        // Iterative DFS: a ViT graph is deep enough to make recursion risky.
        var stack = new Stack<(Tensor node, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.GradFn?.Inputs ?? [];
            if (next < inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = inputs[next];
                if (child is not null && (child.RequiresGrad || child.GradFn is not null) && visited.Add(child))
                    stack.Push((child, 0));
            }
            else order.Add(node);
        }
        return order;
    }
}
