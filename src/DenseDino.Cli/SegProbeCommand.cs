using System.ComponentModel;
using DenseDino.Eval;
using DenseDino.Nn;
using DenseDino.Numerics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

public sealed class SegProbeSettings : EvalSettings
{
    [CommandOption("--data <DIR>"), Description("msrc-v2 layout (images/, masks/, classes.txt, <split>.txt) or CamVid layout (classes.txt, <split>/images, <split>/masks); detected from the folder.")]
    public string? Data { get; init; }
    [CommandOption("--train-split <NAME>"), Description("Default train.")] public string TrainSplit { get; init; } = "train";
    [CommandOption("--val-split <NAME>"), Description("Default val.")] public string ValSplit { get; init; } = "val";
    [CommandOption("--epochs <N>"), Description("Probe epochs (default 20).")] public int Epochs { get; init; } = 20;
    [CommandOption("--lr <LR>"), Description("Probe SGD learning rate (default 0.01).")] public float Lr { get; init; } = 0.01f;
    [CommandOption("--limit <N>"), Description("Use only the first N images of each split (0 = all).")] public int Limit { get; init; }
    [CommandOption("--out <DIR>"), Description("Writes segprobe.json and confusion.png (default <weights without extension>.segprobe/ next to the weights).")]
    public string? Out { get; init; }

    protected override EvalResize DefaultResize => EvalResize.Dense;

    protected override ValidationResult ValidateCommand()
    {
        if (RequireDirectory(Data, "--data") is { } data) return data;
        if (string.IsNullOrWhiteSpace(TrainSplit)) return ValidationResult.Error("--train-split must not be empty");
        if (string.IsNullOrWhiteSpace(ValSplit)) return ValidationResult.Error("--val-split must not be empty");
        if (Epochs <= 0) return ValidationResult.Error($"--epochs {Epochs}: must be > 0");
        if (!(Lr > 0) || float.IsInfinity(Lr)) return ValidationResult.Error($"--lr {Lr}: must be > 0");
        if (Limit < 0) return ValidationResult.Error($"--limit {Limit}: must be >= 0 (0 = all)");
        return ValidationResult.Success();
    }
}

/// <summary>`densedino segprobe`: linear probe on frozen patch features; mIoU, per-class IoU, JSON and confusion-matrix PNG.</summary>
public sealed class SegProbeCommand : EvalCommand<SegProbeSettings>
{
    private SegmentationDataset? train, val;

    protected override void Prepare(SegProbeSettings s)
    {
        train = SegmentationDataset.Open(s.Data!, s.TrainSplit);
        val = SegmentationDataset.Open(s.Data!, s.ValSplit);
        if (s.Limit > 0) (train, val) = (train.Take(s.Limit), val.Take(s.Limit));
        if (train.Count == 0 || val.Count == 0) throw new InvalidDataException($"--data '{s.Data}': split {(train.Count == 0 ? s.TrainSplit : s.ValSplit)} has no images");
    }

    protected override int Run(SegProbeSettings s, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken)
    {
        string dir = s.Out ?? EvalModel.NextToWeights(s.Weights!, ".segprobe");
        Directory.CreateDirectory(dir);
        string json = Path.Combine(dir, "segprobe.json"), png = Path.Combine(dir, "confusion.png");
        var options = new SegProbeOptions(new ProbeTraining(s.Epochs, s.Lr), s.ResizeRule, Math.Min(s.BatchSize, 8), json, png);
        var result = SegmentationProbe.Run(vit, train!, val!, options);
        Console.Write(result.ToTable());
        Console.WriteLine($"json: {json}; confusion matrix: {png}");
        return 0;
    }
}
