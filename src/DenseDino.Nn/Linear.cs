using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>y = x·Wᵀ + b; weight [out, in], bias [out]. Init as the official _init_weights: trunc_normal 0.02, zero bias.</summary>
public sealed class Linear : Module
{
    public Linear(IBackend backend, int inFeatures, int outFeatures, Random rng, bool bias = true) : base(backend)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear: features must be > 0, got in {inFeatures}, out {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", Init.TruncNormal(rng, inFeatures * outFeatures, 0.02), [outFeatures, inFeatures]);
        if (bias) Bias = AddParameter("bias", new float[outFeatures], [outFeatures]);
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }   // [out, in]
    public Tensor? Bias { get; }    // [out]

    /// <summary>x [..., in] → [..., out], plus residual [..., out] when given (added by the GEMM).</summary>
    public Tensor Forward(Tensor x, Tensor? residual = null) => Ops.Linear(x, Weight, Bias, residual);

    /// <summary>This layer applied to gelu(pre), pre [..., in] → [..., out] (plus residual); gelu(pre) is recomputed in backward, not kept.</summary>
    public Tensor ForwardOnGelu(Tensor pre, Tensor? residual = null) => Ops.GeluLinear(pre, Weight, Bias, residual);
}
