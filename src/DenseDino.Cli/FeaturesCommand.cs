using System.ComponentModel;
using DenseDino.Data;
using DenseDino.Eval;
using DenseDino.Nn;
using DenseDino.Numerics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

public sealed class FeaturesSettings : EvalSettings
{
    [CommandOption("--images <DIR>"), Description("Folder of images (sub-folders included), read in ordinal-sorted relative-path order.")]
    public string? Images { get; init; }

    [CommandOption("--out <OUT.npy>"), Description("Output float32 .npy; OUT.files.txt lists the images (path<TAB>label), one per row.")]
    public string? Out { get; init; }

    [CommandOption("--tokens <KIND>"), Description("cls (default): [[N, D]] final-norm CLS; patch: [[N, h*w, D]].")]
    public string? Tokens { get; init; }

    [CommandOption("--points <POINTS.npy>"), Description("float .npy [[N, P, 2]], (x, y) in [[-1, 1]]: output [[N, P, D]] reference tokens (default mask mode).")]
    public string? Points { get; init; }

    public bool Patch => Tokens is not null && Tokens.Equals("patch", StringComparison.OrdinalIgnoreCase);

    protected override ValidationResult ValidateCommand()
    {
        if (RequireDirectory(Images, "--images") is { } dir) return dir;
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out OUT.npy is required");
        if (Tokens is not null && !Tokens.Equals("cls", StringComparison.OrdinalIgnoreCase) && !Patch)
            return ValidationResult.Error($"--tokens '{Tokens}': expected cls or patch");
        if (Points is not null)
        {
            if (RequireFile(Points, "--points") is { } points) return points;
            if (Patch) return ValidationResult.Error("--points outputs reference tokens [N, P, D]; it cannot be combined with --tokens patch");
        }
        return ValidationResult.Success();
    }
}

/// <summary>`densedino features`: CLS, patch or reference-token features of a folder as one .npy.</summary>
public sealed class FeaturesCommand : EvalCommand<FeaturesSettings>
{
    private NpyArray? points;

    protected override void Prepare(FeaturesSettings s)
    {
        if (s.Points is null) return;
        var p = NpyFile.Read(s.Points);
        if (p.Shape is not [> 0, > 0, 2])
            throw new ArgumentException($"--points '{s.Points}': shape [{string.Join(", ", p.Shape)}], expected [N, P, 2] with N, P > 0");
        foreach (float v in p.Data)
            if (!(v >= -1 && v <= 1)) throw new ArgumentException($"--points '{s.Points}': value {v} outside [-1, 1]");
        int n = new ImageFolder(s.Images!).Count;
        if (p.Shape[0] != n) throw new ArgumentException($"--points '{s.Points}': {p.Shape[0]} rows of points, --images '{s.Images}' has {n} images");
        points = p;
    }

    protected override int Run(FeaturesSettings s, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken)
    {
        string stem = EvalModel.Stem(s.Out!);
        string npy = stem + ".npy";
        var (data, shape, files) = points is null ? Tokens(s, vit) : References(s, vit, points);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(npy));
        if (dir is not null) Directory.CreateDirectory(dir);
        NpyFile.Write(npy, data, shape);
        File.WriteAllLines(stem + ".files.txt", files);
        Console.WriteLine($"{npy} [{string.Join(", ", shape)}]; {stem}.files.txt ({files.Count} images)");
        return 0;
    }

    private static (float[] Data, int[] Shape, IReadOnlyList<string> Files) Tokens(FeaturesSettings s, VisionTransformer vit)
    {
        var extractor = new FeatureExtractor(vit, new FeatureOptions(s.BatchSize, s.ResizeRule, KeepPatches: s.Patch));
        var set = extractor.ExtractFolder(s.Images!, warn: m => Console.Error.WriteLine("warning: " + m));
        if (set.Count == 0) throw new InvalidDataException($"--images '{s.Images}': no readable images");
        var files = set.Files.Select((f, i) => $"{f}\t{set.Labels[i]}").ToList();
        if (!s.Patch) return (set.Cls(), [set.Count, set.Dim], files);
        var (patches, gh, gw) = set.Patches();
        return (patches, [set.Count, gh * gw, set.Dim], files);
    }

    /// <summary>Images with identical point rows share forward passes; the rows keep the folder order.</summary>
    private static (float[] Data, int[] Shape, IReadOnlyList<string> Files) References(FeaturesSettings s, VisionTransformer vit, NpyArray points)
    {
        var folder = new ImageFolder(s.Images!);
        int n = points.Shape[0], p = points.Shape[1], d = vit.Config.Dim;
        var data = new float[(long)n * p * d];
        var groups = Enumerable.Range(0, n).GroupBy(i => Convert.ToBase64String(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(points.Data.AsSpan(i * p * 2, p * 2))));
        foreach (var group in groups)
        {
            var row = points.Data.AsSpan(group.First() * p * 2, p * 2).ToArray();
            var extractor = new FeatureExtractor(vit, new FeatureOptions(s.BatchSize, s.ResizeRule, row, KeepPatches: false));
            foreach (var chunk in group.Chunk(s.BatchSize * 8))
            {
                var images = chunk.Select(i => folder.TryRead(i)
                    ?? throw new InvalidDataException($"--images: '{folder.Entries[i].Path}' cannot be decoded (every image needs its row of --points)")).ToArray();
                var feats = extractor.Extract(images);
                for (int j = 0; j < chunk.Length; j++) feats[j].Refs!.CopyTo(data, (long)chunk[j] * p * d);
            }
        }
        var files = folder.Entries.Select(e => $"{e.RelativePath}\t{e.Label}").ToList();
        return (data, [n, p, d], files);
    }
}
