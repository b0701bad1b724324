namespace DenseDino.Numerics.Autograd;

/// <summary>
/// One differentiable op. Forward (a static method of the subclass) computes the output
/// and saves what Backward needs; Backward maps the output gradient to one gradient per
/// input (null only where that input needs none).
/// </summary>
public abstract class Function
{
    private static long recorded;

    internal Tensor?[] Inputs { get; private set; } = [];

    /// <summary>When the op was recorded: later ops have larger numbers (Backprop runs them first).</summary>
    internal long Sequence { get; private set; }

    /// <summary>The op's name in error messages.</summary>
    public virtual string Name => GetType().Name.Replace("Function", "");

    /// <summary>Gradients for each input, in order; each must have that input's shape.</summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>True when <see cref="Backward(Tensor, Tensor?[])"/> can add into inputs' pending gradients.</summary>
    protected internal virtual bool AddsIntoPendingGradients => false;

    /// <summary>
    /// Like <see cref="Backward(Tensor)"/>, given pending[i]: input i's gradient so far when Backprop owns it
    /// exclusively, or a parameter's arena slot (else null). Returning pending[i] itself as input i's gradient
    /// says "added into it in place" (no sum, no second tensor): a slice adds into its part of the input's
    /// gradient, attention's two backward ops into one packed qkv gradient, LayerNorm into a residual
    /// connection's, Linear its dW and db into a parameter's slot.
    /// </summary>
    protected internal virtual Tensor?[] Backward(Tensor gradOutput, Tensor?[] pending) => Backward(gradOutput);

    /// <summary>True when input i needs a gradient.</summary>
    protected bool NeedsGrad(int i) => Inputs[i] is { } t && (t.RequiresGrad || t.GradFn is not null);

    /// <summary>Links output to this function when grad mode is on and an input needs a gradient.</summary>
    internal Tensor Record(Tensor output, params Tensor?[] inputs)
    {
        if (!GradMode.IsEnabled) return output;
        bool any = false;
        foreach (var t in inputs) any |= t is not null && (t.RequiresGrad || t.GradFn is not null);
        if (!any) return output;
        Inputs = inputs;
        Sequence = Interlocked.Increment(ref recorded);
        output.GradFn = this;
        output.RequiresGrad = true;
        return output;
    }
}
