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
        if (Dropping(dropSeed))
        {
            x = Residual(x, Attn.Forward(Norm1.Forward(x), mask), dropSeed, 0);
            return Residual(x, Mlp.Forward(Norm2.Forward(x)), dropSeed, 1);
        }
        // Without drop path each branch's last GEMM adds the residual: no [B, L, D] branch output is kept.
        var x1 = Attn.Forward(Norm1.Forward(x), mask, residual: x);
        return Mlp.Forward(Norm2.Forward(x1), residual: x1);
    }

    /// <summary>
    /// The default mask mode on the split sequence: main [B, 1+N, D], refs [B, M, D] or null.
    /// Both parts draw the same per-sample drop-path mask (same seed, same batch axis), as one
    /// mask over the full sequence would.
    /// </summary>
    public (Tensor Main, Tensor? Refs) ForwardSplit(Tensor main, Tensor? refs, ulong? dropSeed)
    {
        var mainNormed = Norm1.Forward(main);
        var refsNormed = refs is null ? null : Norm1.Forward(refs);
        if (Dropping(dropSeed))
        {
            var (a, ar) = Attn.ForwardSplit(mainNormed, refsNormed);
            main = Residual(main, a, dropSeed, 0);
            main = Residual(main, Mlp.Forward(Norm2.Forward(main)), dropSeed, 1);
            if (refs is null) return (main, null);
            refs = Residual(refs, ar!, dropSeed, 0);
            refs = Residual(refs, Mlp.Forward(Norm2.Forward(refs)), dropSeed, 1);
            return (main, refs);
        }
        var (main1, refs1) = Attn.ForwardSplit(mainNormed, refsNormed, mainResidual: main, refsResidual: refs);
        return (Mlp.Forward(Norm2.Forward(main1), residual: main1), refs1 is null ? null : Mlp.Forward(Norm2.Forward(refs1), residual: refs1));
    }

    private bool Dropping(ulong? seed) => seed is not null && DropPath > 0;

    /// <summary>x + DropPath(branchOutput), the mask drawn from (seed, branch); only the mask is kept for backward.</summary>
    private Tensor Residual(Tensor x, Tensor branchOutput, ulong? seed, ulong branch) =>
        Ops.AddDropPath(x, branchOutput, DropPath, seed!.Value * 2 + branch);
}
