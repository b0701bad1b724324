using DenseDino.Data;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Eval;

/// <summary>
/// Frozen-backbone features: pixels /255, ImageNet mean/std, the <see cref="EvalResize"/> rule for
/// sides that are not multiples of the patch size, then a no-grad forward in batches of
/// same-sized images inside a <see cref="TensorScope"/> (nothing outlives a batch but float arrays).
/// </summary>
public sealed class FeatureExtractor
{
    private readonly VisionTransformer model;

    public FeatureExtractor(VisionTransformer model, FeatureOptions? options = null)
    {
        this.model = model;
        Options = options ?? new FeatureOptions();
        Options.Validate();
    }

    public FeatureOptions Options { get; }
    public int PatchSize => model.Config.PatchSize;

    /// <summary>The image the backbone sees for <paramref name="image"/>.</summary>
    public RgbImage Prepare(RgbImage image) => Options.ResizeRule.Apply(image, PatchSize);

    /// <summary>Features of each image, in input order; images are prepared first.</summary>
    public IReadOnlyList<ImageFeatures> Extract(IReadOnlyList<RgbImage> images)
    {
        var prepared = new RgbImage[images.Count];
        Parallel.For(0, images.Count, i => prepared[i] = Prepare(images[i]));
        return ExtractPrepared(prepared);
    }

    /// <summary>Features of images whose sides are already multiples of the patch size.</summary>
    public IReadOnlyList<ImageFeatures> ExtractPrepared(IReadOnlyList<RgbImage> images)
    {
        var result = new ImageFeatures[images.Count];
        // Batch only equal sizes (one tensor per batch); output order is the input order.
        foreach (var group in Enumerable.Range(0, images.Count).GroupBy(i => (images[i].Width, images[i].Height)))
            foreach (var chunk in group.Chunk(Options.BatchSize))
            {
                var feats = ForwardBatch(chunk.Select(i => images[i]).ToArray());
                for (int j = 0; j < chunk.Length; j++) result[chunk[j]] = feats[j];
            }
        return result;
    }

    /// <summary>Every image under <paramref name="root"/> (ordinal-sorted, labels = sub-folder), corrupt files skipped.</summary>
    public FeatureSet ExtractFolder(string root, Action<string>? warn = null)
    {
        var folder = new ImageFolder(root, warn);
        var files = new List<string>();
        var labels = new List<int>();
        var items = new List<ImageFeatures>();
        // Windows of a few batches bound memory: decoded images never all live at once.
        int window = Options.BatchSize * 8;
        for (int start = 0; start < folder.Count; start += window)
        {
            int n = Math.Min(window, folder.Count - start);
            var images = new RgbImage?[n];
            Parallel.For(0, n, i =>
            {
                var img = folder.TryRead(start + i);
                images[i] = img is null ? null : Prepare(img);
            });
            var kept = Enumerable.Range(0, n).Where(i => images[i] is not null).ToArray();
            var feats = ExtractPrepared(kept.Select(i => images[i]!).ToArray());
            for (int j = 0; j < kept.Length; j++)
            {
                var entry = folder.Entries[start + kept[j]];
                files.Add(entry.RelativePath);
                labels.Add(entry.Label);
                items.Add(feats[j]);
            }
        }
        return new FeatureSet(files, labels, folder.Classes, items);
    }

    private ImageFeatures[] ForwardBatch(RgbImage[] batch)
    {
        int b = batch.Length, w = batch[0].Width, h = batch[0].Height, p = PatchSize;
        int plane = 3 * w * h, d = model.Config.Dim, gh = h / p, gw = w / p, np = Options.PointCount;
        var pixels = new float[b * plane];
        for (int i = 0; i < b; i++) TensorConversion.ToChw(batch[i]).CopyTo(pixels, i * plane);

        float[] cls, patches;
        float[]? refs = null;
        using (GradMode.NoGrad())
        using (TensorScope.Begin())
        {
            var images = Tensor.FromArray(model.Backend, pixels, new Shape(b, 3, h, w));
            Tensor? points = null;
            if (Options.Points is { } pts)
            {
                var rep = new float[b * pts.Length];
                for (int i = 0; i < b; i++) pts.CopyTo(rep, i * pts.Length);
                points = Tensor.FromArray(model.Backend, rep, new Shape(b, np, 2));
            }
            var output = model.Forward(images, points, Options.Mode);
            cls = output.Cls.ToArray();                                     // [B, D]
            patches = Options.KeepPatches ? output.Patches.ToArray() : [];  // [B, N, D]
            refs = output.Refs?.ToArray();                                  // [B, P, D]
        }

        var result = new ImageFeatures[b];
        int n = gh * gw;
        for (int i = 0; i < b; i++)
            result[i] = new ImageFeatures(
                cls.AsSpan(i * d, d).ToArray(),
                Options.KeepPatches ? patches.AsSpan(i * n * d, n * d).ToArray() : [],
                gh, gw,
                refs?.AsSpan(i * np * d, np * d).ToArray());
        return result;
    }
}
