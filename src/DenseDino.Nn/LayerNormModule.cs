using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>LayerNorm over the last axis; weight ones, bias zeros; eps 1e-6 as the official ViTs.</summary>
public sealed class LayerNormModule : Module
{
    public LayerNormModule(IBackend backend, int dim, float eps = 1e-6f) : base(backend)
    {
        Eps = eps;
        Weight = AddParameter("weight", Init.Constant(dim, 1f), [dim]);
        Bias = AddParameter("bias", new float[dim], [dim]);
    }

    public float Eps { get; }
    public Tensor Weight { get; }   // [D]
    public Tensor Bias { get; }     // [D]

    public Tensor Forward(Tensor x) => Ops.LayerNorm(x, Weight, Bias, Eps);
}
