using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// nn.utils.weight_norm(nn.Linear(in, out, bias=False)): weight = g · v/‖v‖ per output row.
/// weight_g [out, 1] starts at 1 (DINOHead fills it) and is frozen unless trainableG; weight_v
/// [out, in] keeps PyTorch's default Linear init U(−1/√in, 1/√in).
/// </summary>
public sealed class WeightNormLinear : Module
{
    public WeightNormLinear(IBackend backend, int inFeatures, int outFeatures, Random rng, bool trainableG) : base(backend)
    {
        OutFeatures = outFeatures;
        WeightG = AddParameter("weight_g", Init.Constant(outFeatures, 1f), [outFeatures, 1], trainable: trainableG);
        WeightV = AddParameter("weight_v", Init.Uniform(rng, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures)), [outFeatures, inFeatures]);
    }

    public int OutFeatures { get; }
    public Tensor WeightG { get; }   // [K, 1]
    public Tensor WeightV { get; }   // [K, in]

    /// <summary>x [..., in] → [..., K].</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Ops.WeightNorm(Ops.Reshape(WeightG, OutFeatures), WeightV));
}
