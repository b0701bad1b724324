using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>Pre-norm transformer block: x += DropPath(Attn(LN(x))); x += DropPath(MLP(LN(x))).</summary>
public sealed class Block : Module
{
    public Block(IBackend backend, int dim, int heads, double mlpRatio, float dropPath, Random rng) : base(backend)
    {
        if (!(dropPath >= 0 && dropPath < 1)) throw new ArgumentException($"Block: dropPath must be in [0, 1), got {dropPath}");
        DropPath = dropPath;
        Norm1 = AddModule("norm1", new LayerNormModule(backend, dim));
        Attn = AddModule("attn", new MaskedAttention(backend, dim, heads, rng));
        Norm2 = AddModule("norm2", new LayerNormModule(backend, dim));
        Mlp = AddModule("mlp", new Mlp(backend, dim, (int)(dim * mlpRatio), rng));
    }

    public float DropPath { get; }
    public LayerNormModule Norm1 { get; }
    public MaskedAttention Attn { get; }
    public LayerNormModule Norm2 { get; }
    public Mlp Mlp { get; }

    /// <summary>
    /// x [B, L, D] with an additive mask [L, L] or null. dropSeed null disables drop path
    /// (teacher, evaluation); otherwise each residual branch draws a per-sample mask from it.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor? mask, ulong? dropSeed)
    {
        bool drop = Dropping(dropSeed);
        var x1 = WithResidual(x, Attn.Forward(Norm1.Forward(x), mask, drop ? null : x), dropSeed, 0);
        return WithResidual(x1, Mlp.Forward(Norm2.Forward(x1), drop ? null : x1), dropSeed, 1);
    }

    /// <summary>
    /// The default mask mode on the split sequence: main [B, 1+N, D], refs [B, M, D] or null.
    /// Both parts draw the same per-sample drop-path mask (same seed, same batch axis), as one
    /// mask over the full sequence would.
    /// </summary>
    public (Tensor Main, Tensor? Refs) ForwardSplit(Tensor main, Tensor? refs, ulong? dropSeed)
    {
        bool drop = Dropping(dropSeed);
        var (a, ar) = Attn.ForwardSplit(Norm1.Forward(main), refs is null ? null : Norm1.Forward(refs), drop ? null : main, drop ? null : refs);
        var main1 = WithResidual(main, a, dropSeed, 0);
        var main2 = WithResidual(main1, Mlp.Forward(Norm2.Forward(main1), drop ? null : main1), dropSeed, 1);
        if (refs is null) return (main2, null);
        var refs1 = WithResidual(refs, ar!, dropSeed, 0);
        return (main2, WithResidual(refs1, Mlp.Forward(Norm2.Forward(refs1), drop ? null : refs1), dropSeed, 1));
    }

    private bool Dropping(ulong? seed) => seed is not null && DropPath > 0;

    /// <summary>
    /// x plus a branch's output. Without drop path the branch was given x and its last GEMM added it
    /// (no [B, L, D] branch output is kept): the output is the sum. With drop path, x + DropPath(output),
    /// the mask drawn from (seed, branch) and the only thing kept for backward.
    /// </summary>
    private Tensor WithResidual(Tensor x, Tensor branchOutput, ulong? seed, ulong branch) =>
        Dropping(seed) ? Ops.AddDropPath(x, branchOutput, DropPath, seed!.Value * 2 + branch) : branchOutput;
}
