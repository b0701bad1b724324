using System.ComponentModel;
using System.Globalization;
using DenseDino.Eval;
using DenseDino.Nn;
using DenseDino.Numerics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

public sealed class KnnSettings : EvalSettings
{
    [CommandOption("--train <DIR>"), Description("Train images, one sub-folder per class.")] public string? Train { get; init; }
    [CommandOption("--val <DIR>"), Description("Validation images, the same class sub-folders.")] public string? Val { get; init; }
    [CommandOption("-k|--ks <LIST>"), Description("--k LIST: comma-separated neighbour counts (default 10,20,100,200).")] public string? K { get; init; }
    [CommandOption("--temperature <T>"), Description("Vote weight exp(sim/T) (default 0.07).")] public double Temperature { get; init; } = 0.07;
    [CommandOption("--out <FILE>"), Description("JSON result (default <weights without extension>.knn.json next to the weights).")] public string? Out { get; init; }

    public IReadOnlyList<int> Ks => K is null ? KnnOptions.DefaultKs : ParseKs(K)!;

    protected override ValidationResult ValidateCommand()
    {
        if (RequireDirectory(Train, "--train") is { } train) return train;
        if (RequireDirectory(Val, "--val") is { } val) return val;
        if (K is not null && ParseKs(K) is null) return ValidationResult.Error($"--k '{K}': expected positive integers separated by commas, e.g. 10,20,100,200");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) return ValidationResult.Error($"--temperature {Temperature}: must be > 0");
        return ValidationResult.Success();
    }

    private static int[]? ParseKs(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return null;
        var ks = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ks[i]) || ks[i] <= 0) return null;
        return ks;
    }
}

/// <summary>`densedino knn`: CLS features of both folders, weighted k-NN, a table on stdout and a JSON file.</summary>
public sealed class KnnCommand : EvalCommand<KnnSettings>
{
    protected override int Run(KnnSettings s, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken)
    {
        var extractor = new FeatureExtractor(vit, new FeatureOptions(s.BatchSize, s.ResizeRule, KeepPatches: false));
        Action<string> warn = m => Console.Error.WriteLine("warning: " + m);
        var train = extractor.ExtractFolder(s.Train!, warn);
        cancellationToken.ThrowIfCancellationRequested();
        var val = extractor.ExtractFolder(s.Val!, warn);
        if (train.Count == 0) throw new InvalidDataException($"--train '{s.Train}': no readable images");
        if (val.Count == 0) throw new InvalidDataException($"--val '{s.Val}': no readable images");
        if (!train.Classes.SequenceEqual(val.Classes))
            throw new InvalidDataException($"--train and --val have different class folders: [{string.Join(", ", train.Classes)}] vs [{string.Join(", ", val.Classes)}]");
        var result = KnnClassifier.Evaluate(SavedFeatures.From(train), SavedFeatures.From(val),
            new KnnOptions(s.Ks, s.Temperature, NumClasses: Math.Max(1, train.Classes.Count), Backend: backend));
        Console.Write(result.ToTable());
        string json = s.Out ?? EvalModel.NextToWeights(s.Weights!, ".knn.json");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(json));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(json, result.ToJson());
        Console.WriteLine($"json: {json}");
        return 0;
    }
}
