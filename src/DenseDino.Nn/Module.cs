using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// A named tree of parameters. Names are the official DenseDINO state_dict names, joined with
/// '.', in registration order (the order PyTorch's named_parameters() gives), so checkpoints
/// and golden files map one to one.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Value)> parameters = new();
    private readonly List<(string Name, Module Value)> children = new();

    private ParameterArena? arena;

    protected Module(IBackend backend) => Backend = backend;

    public IBackend Backend { get; }

    /// <summary>The buffer holding every parameter of this tree, once <see cref="FlattenParameters"/> ran.</summary>
    public ParameterArena? Arena => arena;

    /// <summary>
    /// Moves every parameter of this tree into one <see cref="ParameterArena"/> (in <see cref="NamedParameters"/>
    /// order, so two models of one architecture get the same layout), so the optimiser updates them all, and the
    /// teacher's EMA follows, in one launch. Call before training, on the root module.
    /// </summary>
    public ParameterArena FlattenParameters()
    {
        if (arena is not null) return arena;
        ZeroGrad();
        arena = ParameterArena.Gather(NamedParameters().Select(p => p.Value).ToList());
        return arena;
    }

    /// <summary>Registers a leaf parameter (owned by this module, disposed with it).</summary>
    protected Tensor AddParameter(string name, float[] data, Shape shape, bool trainable = true)
    {
        var p = Tensor.Parameter(Backend, data, shape, name);
        p.RequiresGrad = trainable;
        parameters.Add((name, p));
        return p;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        children.Add((name, module));
        return module;
    }

    /// <summary>Every parameter (trainable or not) with its full dotted name, in a stable order.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in parameters) yield return (prefix + name, p);
        foreach (var (name, m) in children)
            foreach (var item in m.NamedParameters(prefix + name + "."))
                yield return item;
    }

    /// <summary>The parameters the optimiser updates (RequiresGrad), with names.</summary>
    public IEnumerable<(string Name, Tensor Value)> TrainableParameters(string prefix = "") =>
        NamedParameters(prefix).Where(p => p.Value.RequiresGrad);

    /// <summary>A host copy of every parameter by name.</summary>
    public Dictionary<string, float[]> State(string prefix = "") =>
        NamedParameters(prefix).ToDictionary(p => p.Name, p => p.Value.ToArray());

    /// <summary>Overwrites every parameter from <paramref name="state"/>; every name must be present with the right length.</summary>
    public void LoadState(IReadOnlyDictionary<string, float[]> state, string prefix = "")
    {
        foreach (var (name, p) in NamedParameters(prefix))
        {
            if (!state.TryGetValue(name, out var data))
                throw new KeyNotFoundException($"LoadState: no entry '{name}' (shape {p.Shape})");
            if (data.Length != p.Length)
                throw new ArgumentException($"LoadState: '{name}' has {data.Length} values, parameter shape {p.Shape} needs {p.Length}");
            p.CopyFrom(data);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        arena?.ZeroGradients();
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
    }

    public void Dispose()
    {
        foreach (var (_, p) in parameters)
        {
            p.ZeroGrad();
            p.Dispose();
        }
        foreach (var (_, m) in children) m.Dispose();
        arena?.Dispose();
        GC.SuppressFinalize(this);
    }
}
