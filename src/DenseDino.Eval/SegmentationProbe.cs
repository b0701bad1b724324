using System.Text;
using System.Text.Json;
using DenseDino.Data;
using DenseDino.Nn;

namespace DenseDino.Eval;

/// <summary>Options of a probe run. Resize null = <see cref="EvalResize.Dense"/> (whole image, snapped to patches).</summary>
public sealed record SegProbeOptions(
    ProbeTraining? Training = null,
    EvalResize? Resize = null,
    int FeatureBatch = 8,
    string? OutJson = null,
    string? ConfusionPng = null)
{
    public ProbeTraining TrainingOrDefault => Training ?? new ProbeTraining();
}

/// <summary>IoU of one class (null when the class is in neither truth nor prediction); Pixels = its truth pixels.</summary>
public sealed record ClassIoU(int Index, string Name, double? IoU, long Pixels);

public sealed record SegProbeResult(
    string TrainSet, string ValSet, int TrainImages, int ValImages,
    double MeanIoU, double MeanIoUOverTruthClasses, double PixelAccuracy, IReadOnlyList<ClassIoU> PerClass,
    IReadOnlyList<double> EpochLosses, long[][] Confusion)
{
    public string ToJson() => JsonSerializer.Serialize(this, EvalJson.Options);

    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"linear probe {TrainSet} ({TrainImages}) -> {ValSet} ({ValImages}): mIoU {100 * MeanIoU:F2} (truth classes only {100 * MeanIoUOverTruthClasses:F2}), pixel acc {100 * PixelAccuracy:F2}"));
        foreach (var c in PerClass)
            sb.AppendLine(FormattableString.Invariant($"  {c.Index,3} {c.Name,-16} {(c.IoU is { } v ? $"{100 * v,6:F2}" : "     -")}  ({c.Pixels} px)"));
        return sb.ToString();
    }
}

/// <summary>
/// Linear segmentation probe on a frozen backbone (spec §5): patch features computed once and
/// cached, a 1×1 conv trained by SGD with cross-entropy ignoring 255 on logits bilinearly
/// upsampled to the mask size, then confusion-matrix IoU on the validation split.
/// </summary>
public static class SegmentationProbe
{
    public static SegProbeResult Run(VisionTransformer model, SegmentationDataset train, SegmentationDataset val, SegProbeOptions? options = null)
    {
        options ??= new SegProbeOptions();
        if (!train.Classes.SequenceEqual(val.Classes))
            throw new ArgumentException($"SegmentationProbe: {train.Name} and {val.Name} have different class lists");
        var extractor = new FeatureExtractor(model, new FeatureOptions(options.FeatureBatch, options.Resize ?? EvalResize.Dense));
        var trainSamples = Precompute(extractor, train);
        var valSamples = Precompute(extractor, val);
        var probe = new LinearProbe(model.Config.Dim, train.Classes.Count);
        var losses = probe.Train(trainSamples, options.TrainingOrDefault);
        var cm = Evaluate(probe, valSamples);
        var result = Summarise(cm, train, val, losses);
        if (options.OutJson is { } json)
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(json));
            if (dir is not null) Directory.CreateDirectory(dir);
            File.WriteAllText(json, result.ToJson());
        }
        if (options.ConfusionPng is { } png) ConfusionMatrixImage.Write(png, cm);
        return result;
    }

    /// <summary>Frozen patch features [h·w, D] and the mask of every sample (decoded a window at a time).</summary>
    public static IReadOnlyList<ProbeSample> Precompute(FeatureExtractor extractor, SegmentationDataset data)
    {
        var samples = new List<ProbeSample>(data.Count);
        const int window = 64;
        for (int start = 0; start < data.Count; start += window)
        {
            int n = Math.Min(window, data.Count - start);
            var images = new RgbImage[n];
            var masks = new LabelMask[n];
            Parallel.For(0, n, i =>
            {
                var (image, mask) = data.Load(start + i);
                images[i] = extractor.Prepare(image);
                masks[i] = mask;
            });
            var feats = extractor.ExtractPrepared(images);
            for (int i = 0; i < n; i++)
                samples.Add(new ProbeSample(feats[i].Patches, feats[i].GridHeight, feats[i].GridWidth, masks[i]));
        }
        return samples;
    }

    public static ConfusionMatrix Evaluate(LinearProbe probe, IReadOnlyList<ProbeSample> samples)
    {
        var cm = new ConfusionMatrix(probe.Classes);
        var preds = new byte[samples.Count][];
        Parallel.For(0, samples.Count, i => preds[i] = probe.Predict(samples[i]));
        for (int i = 0; i < samples.Count; i++) cm.Add(samples[i].Mask.Labels, preds[i]);
        return cm;
    }

    public static SegProbeResult Summarise(ConfusionMatrix cm, SegmentationDataset train, SegmentationDataset val, IReadOnlyList<double> losses)
    {
        var perClass = Enumerable.Range(0, cm.Classes).Select(c =>
        {
            double iou = cm.IoU(c);
            long pixels = 0;
            for (int j = 0; j < cm.Classes; j++) pixels += cm.Counts[c, j];
            return new ClassIoU(c, val.Classes[c], double.IsNaN(iou) ? null : iou, pixels);
        }).ToList();
        return new SegProbeResult(train.Name, val.Name, train.Count, val.Count, cm.MeanIoU(), cm.MeanIoUOverTruthClasses(), cm.PixelAccuracy(), perClass, losses, cm.ToRows());
    }
}
