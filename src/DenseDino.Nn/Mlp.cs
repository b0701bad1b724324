using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>The block MLP: fc1 → GELU (erf) → fc2 (dropout 0, as the official ViTs).</summary>
public sealed class Mlp : Module
{
    public Mlp(IBackend backend, int dim, int hidden, Random rng) : base(backend)
    {
        Fc1 = AddModule("fc1", new Linear(backend, dim, hidden, rng));
        Fc2 = AddModule("fc2", new Linear(backend, hidden, dim, rng));
    }

    public Linear Fc1 { get; }
    public Linear Fc2 { get; }

    /// <summary>x [..., D] → [..., D] (plus residual [..., D] when given); the GELU output is not kept for backward (see <see cref="Ops.GeluLinear"/>).</summary>
    public Tensor Forward(Tensor x, Tensor? residual = null) => Fc2.ForwardOnGelu(Fc1.Forward(x), residual);
}
