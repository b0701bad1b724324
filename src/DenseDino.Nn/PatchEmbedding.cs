using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// The P×P stride-P patch convolution (official PatchEmbed, parameters proj.weight [D, C, P, P]
/// and proj.bias [D]). The official _init_weights skips convolutions, so this keeps PyTorch's
/// default Conv2d init: U(−1/√fanIn, 1/√fanIn) for weight and bias, fanIn = C·P·P.
/// </summary>
public sealed class PatchEmbedding : Module
{
    public PatchEmbedding(IBackend backend, int inChannels, int dim, int patch, Random rng) : base(backend)
    {
        Patch = patch;
        int fanIn = inChannels * patch * patch;
        double bound = 1.0 / Math.Sqrt(fanIn);
        Weight = AddParameter("proj.weight", Init.Uniform(rng, dim * fanIn, bound), [dim, inChannels, patch, patch]);
        Bias = AddParameter("proj.bias", Init.Uniform(rng, dim, bound), [dim]);
    }

    public int Patch { get; }
    public Tensor Weight { get; }   // [D, C, P, P]
    public Tensor Bias { get; }     // [D]

    /// <summary>images [B, C, H, W] → [B, (H/P)(W/P), D], patches row-major.</summary>
    public Tensor Forward(Tensor images) => Ops.PatchEmbed(images, Weight, Bias, Patch);
}
