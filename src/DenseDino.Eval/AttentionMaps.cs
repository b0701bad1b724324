using DenseDino.Data;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Eval;

/// <summary>CLS-query attention of the last block: Heads maps of GridHeight×GridWidth, row-major.</summary>
/// <param name="Maps">[heads][h·w], the softmax weights on the patch keys (the CLS key's share is left out)</param>
public sealed record AttentionResult(RgbImage Image, int GridHeight, int GridWidth, int PatchSize, float[][] Maps);

/// <summary>Options: Resize null = <see cref="EvalResize.Dense"/>; OverlayAlpha = heat-map weight in the overlay.</summary>
public sealed record AttentionOptions(EvalResize? Resize = null, float OverlayAlpha = 0.6f);

/// <summary>
/// DINO's get_last_selfattention without touching Nn: the image goes through every block but the
/// last as the plain ViT does (default mode, no reference tokens), then the last block's
/// LayerNorm and qkv projection give q and k, and softmax(q_cls·kᵀ·scale) is recomputed here.
/// </summary>
public static class AttentionMaps
{
    public static AttentionResult Compute(VisionTransformer model, RgbImage image, AttentionOptions? options = null)
    {
        options ??= new AttentionOptions();
        int p = model.Config.PatchSize, d = model.Config.Dim;
        var prepared = (options.Resize ?? EvalResize.Dense).Apply(image, p);
        int h = prepared.Height, w = prepared.Width, gh = h / p, gw = w / p, n = gh * gw;
        var last = model.Blocks[^1];
        int heads = last.Attn.Heads, dh = last.Attn.HeadDim;
        float[] qkv;
        using (GradMode.NoGrad())
        using (TensorScope.Begin())
        {
            var main = LastBlockInput(model, prepared);                                              // [1, 1+N, D]
            qkv = last.Attn.Qkv.Forward(last.Norm1.Forward(main)).ToArray();                         // [1, 1+N, 3D]
        }

        // Layout per token: (3, H, Dh), as reshape(B, L, 3, H, Dh) in the official Attention.
        int l = n + 1, stride = 3 * d;
        var maps = new float[heads][];
        var logits = new double[l];
        for (int head = 0; head < heads; head++)
        {
            int qo = head * dh, ko = d + head * dh;
            double max = double.NegativeInfinity;
            for (int j = 0; j < l; j++)
            {
                double dot = 0;
                for (int e = 0; e < dh; e++) dot += qkv[qo + e] * qkv[j * stride + ko + e];
                logits[j] = dot * last.Attn.Scale;
                max = Math.Max(max, logits[j]);
            }
            double sum = 0;
            for (int j = 0; j < l; j++) sum += logits[j] = Math.Exp(logits[j] - max);
            maps[head] = new float[n];
            for (int j = 0; j < n; j++) maps[head][j] = (float)(logits[j + 1] / sum);
        }
        return new AttentionResult(prepared, gh, gw, p, maps);
    }

    /// <summary>
    /// The tokens [CLS, PATCH_1..N] entering the last block, [1, 1+N, D], computed as
    /// VisionTransformer.Forward does without reference tokens (call inside a scope, no grad).
    /// </summary>
    internal static Tensor LastBlockInput(VisionTransformer model, RgbImage prepared)
    {
        int h = prepared.Height, w = prepared.Width;
        var x = Tensor.FromArray(model.Backend, TensorConversion.ToChw(prepared), new Shape(1, 3, h, w));
        var patches = Ops.Add(model.PatchEmbed.Forward(x), model.PatchPositions(h, w));          // [1, N, D]
        var main = Ops.Concat(1, Ops.Add(model.ClsToken, model.ClsPosEmbed), patches);            // [1, 1+N, D]
        for (int i = 0; i < model.Blocks.Count - 1; i++)
            (main, _) = model.Blocks[i].ForwardSplit(main, null, null);
        return main;
    }

    /// <summary>
    /// Writes &lt;prefix&gt;-head&lt;i&gt;.png (viridis heat map, min–max per head, each patch enlarged to
    /// P×P, so the size of the prepared image), &lt;prefix&gt;-overlay.png (mean over heads blended on
    /// the image) and &lt;prefix&gt;-image.png. Returns the paths.
    /// </summary>
    public static IReadOnlyList<string> Write(AttentionResult r, string prefix, AttentionOptions? options = null)
    {
        float overlayAlpha = (options ?? new AttentionOptions()).OverlayAlpha;
        if (!(overlayAlpha >= 0 && overlayAlpha <= 1)) throw new ArgumentException($"AttentionMaps: OverlayAlpha must be in [0, 1], got {overlayAlpha}");
        var paths = new List<string>();
        for (int head = 0; head < r.Maps.Length; head++)
        {
            string path = $"{prefix}-head{head}.png";
            PngWriter.Write(path, PngWriter.Enlarge(Colormap.Apply(r.Maps[head]), r.GridWidth, r.GridHeight, r.PatchSize));
            paths.Add(path);
        }
        var mean = new float[r.GridHeight * r.GridWidth];
        foreach (var m in r.Maps)
            for (int i = 0; i < mean.Length; i++) mean[i] += m[i] / r.Maps.Length;
        var heat = PngWriter.Enlarge(Colormap.Apply(mean), r.GridWidth, r.GridHeight, r.PatchSize);
        var overlay = new byte[heat.Pixels.Length];
        for (int i = 0; i < overlay.Length; i++)
            overlay[i] = (byte)Math.Round(overlayAlpha * heat.Pixels[i] + (1 - overlayAlpha) * r.Image.Pixels[i]);
        PngWriter.Write($"{prefix}-overlay.png", overlay, heat.Width, heat.Height);
        PngWriter.Write($"{prefix}-image.png", r.Image);
        paths.Add($"{prefix}-overlay.png");
        paths.Add($"{prefix}-image.png");
        return paths;
    }
}
