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
        x = Ops.Add(x, Drop(Attn.Forward(Norm1.Forward(x), mask), dropSeed, 0));
        return Ops.Add(x, Drop(Mlp.Forward(Norm2.Forward(x)), dropSeed, 1));
    }

    /// <summary>
    /// The default mask mode on the split sequence: main [B, 1+N, D], refs [B, M, D] or null.
    /// Both parts draw the same per-sample drop-path mask (same seed, same batch axis), as one
    /// mask over the full sequence would.
    /// </summary>
    public (Tensor Main, Tensor? Refs) ForwardSplit(Tensor main, Tensor? refs, ulong? dropSeed)
    {
        var (a, ar) = Attn.ForwardSplit(Norm1.Forward(main), refs is null ? null : Norm1.Forward(refs));
        main = Ops.Add(main, Drop(a, dropSeed, 0));
        main = Ops.Add(main, Drop(Mlp.Forward(Norm2.Forward(main)), dropSeed, 1));
        if (refs is null) return (main, null);
        refs = Ops.Add(refs, Drop(ar!, dropSeed, 0));
        refs = Ops.Add(refs, Drop(Mlp.Forward(Norm2.Forward(refs)), dropSeed, 1));
        return (main, refs);
    }

    private Tensor Drop(Tensor x, ulong? seed, ulong branch) =>
        seed is { } s && DropPath > 0 ? Ops.DropPath(x, DropPath, s * 2 + branch) : x;
}
