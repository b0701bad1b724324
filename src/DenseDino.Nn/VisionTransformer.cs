using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>Backbone outputs after the final LayerNorm.</summary>
/// <param name="Cls">[B, D]</param>
/// <param name="Refs">[B, R, D], or null without reference points</param>
/// <param name="Patches">[B, N, D]</param>
public sealed record VitOutput(Tensor Cls, Tensor? Refs, Tensor Patches);

/// <summary>
/// The DenseDINO ViT (official vision_transformer.py): tokens [CLS][REF_1..REF_R][PATCH_1..N].
/// Reference token = zeros (or ref_learn_token) + bicubic grid-sample of the ORIGINAL patch
/// pos-embed grid at the points; patch positions for other grids use DINO's
/// interpolate_pos_encoding (+0.1); cls_pos_embed is never interpolated.
/// </summary>
public sealed class VisionTransformer : Module
{
    public VisionTransformer(IBackend backend, VitConfig config, int seed) : base(backend)
    {
        config.Validate();
        Config = config;
        var rng = new Random(seed);
        int d = config.Dim, n0 = config.Grid * config.Grid;
        // Registration order = the official state_dict order: own parameters, then children.
        ClsToken = AddParameter("cls_token", Init.TruncNormal(rng, d, 0.02), [1, 1, d]);
        ClsPosEmbed = AddParameter("cls_pos_embed", Init.TruncNormal(rng, d, 0.02), [1, 1, d]);
        if (config.LearnableRefToken)
            RefLearnToken = AddParameter("ref_learn_token", Init.TruncNormal(rng, d, 0.02), [1, 1, d]);
        PatchPosEmbed = AddParameter("patch_pos_embed", Init.TruncNormal(rng, n0 * d, 0.02), [1, n0, d]);
        PatchEmbed = AddModule("patch_embed", new PatchEmbedding(backend, config.InChannels, d, config.PatchSize, rng));
        var blocks = new Block[config.Depth];
        for (int i = 0; i < config.Depth; i++)
        {
            // torch.linspace(0, rate, depth): stochastic depth grows linearly over the blocks.
            float rate = config.Depth == 1 ? 0f : (float)(config.DropPathRate * i / (config.Depth - 1));
            blocks[i] = AddModule($"blocks.{i}", new Block(backend, d, config.Heads, config.MlpRatio, rate, rng));
        }
        Blocks = blocks;
        Norm = AddModule("norm", new LayerNormModule(backend, d));
    }

    public VitConfig Config { get; }
    public Tensor ClsToken { get; }         // [1, 1, D]
    public Tensor ClsPosEmbed { get; }      // [1, 1, D]
    public Tensor? RefLearnToken { get; }   // [1, 1, D]
    public Tensor PatchPosEmbed { get; }    // [1, N0, D]
    public PatchEmbedding PatchEmbed { get; }
    public IReadOnlyList<Block> Blocks { get; }
    public LayerNormModule Norm { get; }

    /// <summary>Runs the default mode through the generic full-mask path (tests compare the two paths).</summary>
    internal bool UseFullMask { get; set; }

    /// <summary>
    /// images [B, C, H, W]; points [B, Ho, Wo, 2] (or [B, R, 2]) holding (x, y) in [-1, 1], giving
    /// R = Ho·Wo reference tokens in row-major order, or null. dropPathSeed null disables drop path.
    /// </summary>
    public VitOutput Forward(Tensor images, Tensor? points = null, MaskMode mode = MaskMode.All2PosPos2ClsEye, ulong? dropPathSeed = null)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChannels)
            throw new ArgumentException($"VisionTransformer: images {images.Shape} must be [B, C={Config.InChannels}, H, W]");
        int b = images.Shape[0], d = Config.Dim;
        var patches = Ops.Add(PatchEmbed.Forward(images), PatchPositions(images.Shape[2], images.Shape[3])); // [B, N, D]
        int n = patches.Shape[1];
        var cls = Ops.IndexSelect(Ops.Add(ClsToken, ClsPosEmbed), 0, new int[b]);                         // [B, 1, D]
        var refs = points is null ? null : ReferenceTokens(points, b);                                     // [B, R, D]
        int r = refs?.Shape[1] ?? 0;

        Tensor mainOut;
        Tensor? refOut = null;
        if (mode == MaskMode.All2PosPos2ClsEye && !UseFullMask)
        {
            // CLS and patches never see REF tokens: run them as a plain ViT and let the REF
            // tokens cross-attend (patches + self) beside them; no (1+R+N)² mask is built.
            var main = Ops.Concat(1, cls, patches);                                                         // [B, 1+N, D]
            for (int i = 0; i < Blocks.Count; i++)
                (main, refs) = Blocks[i].ForwardSplit(main, refs, BlockSeed(dropPathSeed, i));
            mainOut = Norm.Forward(main);
            if (refs is not null) refOut = Norm.Forward(refs);
        }
        else
        {
            var x = refs is null ? Ops.Concat(1, cls, patches) : Ops.Concat(1, cls, refs, patches);       // [B, 1+R+N, D]
            var blocked = MaskModes.Blocked(mode, r, n);
            var mask = blocked is null ? null : Ops.AttentionMask(Backend, blocked);                       // [L, L]
            for (int i = 0; i < Blocks.Count; i++)
                x = Blocks[i].Forward(x, mask, BlockSeed(dropPathSeed, i));
            x = Norm.Forward(x);
            if (refs is not null) refOut = Ops.Slice(x, 1, 1, r);
            mainOut = r == 0 ? x : Ops.Concat(1, Ops.Slice(x, 1, 0, 1), Ops.Slice(x, 1, 1 + r, n));
        }
        var clsOut = Ops.Reshape(Ops.Slice(mainOut, 1, 0, 1), b, d);                                       // [B, D]
        return new VitOutput(clsOut, refOut, Ops.Slice(mainOut, 1, 1, n));
    }

    /// <summary>
    /// Patch positions for an H×W image: the learned grid itself when N and the image are
    /// unchanged and square, else DINO's bicubic resize with scale (H/P + 0.1)/g, (W/P + 0.1)/g.
    /// Returns [1, (H/P)(W/P), D].
    /// </summary>
    public Tensor PatchPositions(int height, int width)
    {
        int p = Config.PatchSize, g = Config.Grid, d = Config.Dim;
        int gh = height / p, gw = width / p;
        if (gh * gw == g * g && height == width) return PatchPosEmbed;
        var grid = Ops.Permute(Ops.Reshape(PatchPosEmbed, 1, g, g, d), 0, 3, 1, 2);                  // [1, D, g, g]
        var resized = Ops.InterpolateBicubic(grid, (gh + 0.1) / g, (gw + 0.1) / g);                  // [1, D, gh, gw]
        if (resized.Shape[2] != gh || resized.Shape[3] != gw)
            throw new InvalidOperationException($"VisionTransformer: interpolated pos-embed {resized.Shape} is not the patch grid [{gh}, {gw}]");
        return Ops.Reshape(Ops.Permute(resized, 0, 2, 3, 1), 1, gh * gw, d);
    }

    /// <summary>
    /// Reference tokens for points [B, Ho, Wo, 2] or [B, R, 2]: content (zeros or ref_learn_token)
    /// + grid_sample(bicubic, zero padding, align_corners False) of the original g×g pos-embed
    /// grid. Returns [B, R, D]; gradients reach patch_pos_embed (and the points, if they require them).
    /// </summary>
    public Tensor ReferenceTokens(Tensor points, int batch)
    {
        if (!(points.Rank is 3 or 4) || points.Shape[0] != batch || points.Shape[^1] != 2)
            throw new ArgumentException($"VisionTransformer: points {points.Shape} must be [B={batch}, Ho, Wo, 2] or [B, R, 2]");
        int g = Config.Grid, d = Config.Dim;
        int r = points.Rank == 3 ? points.Shape[1] : points.Shape[1] * points.Shape[2];
        var grid = Ops.Permute(Ops.Reshape(PatchPosEmbed, 1, g, g, d), 0, 3, 1, 2);  // [1, D, g, g]
        // One sample over all items (grid [1, B·R, 1, 2]) instead of expanding the pos-embed B times.
        var flat = Ops.Reshape(points, 1, batch * r, 1, 2);
        var sampled = Ops.GridSampleBicubic(grid, flat);                              // [1, D, B·R, 1]
        var pos = Ops.Permute(Ops.Reshape(sampled, d, batch, r), 1, 2, 0);            // [B, R, D]
        return RefLearnToken is null ? pos : Ops.Add(pos, RefLearnToken);
    }

    private static ulong? BlockSeed(ulong? seed, int block) =>
        seed is { } s ? unchecked(s * 0x9E3779B97F4A7C15UL + (ulong)block * 0xBF58476D1CE4E5B9UL + 1) : null;
}
