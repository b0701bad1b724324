using System.ComponentModel;
using DenseDino.Data;
using DenseDino.Eval;
using DenseDino.Nn;
using DenseDino.Numerics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

public sealed class AttentionSettings : EvalSettings
{
    [CommandOption("--image <IMG>"), Description("A .jpg, .jpeg, .png or .bmp image.")] public string? Image { get; init; }
    [CommandOption("--out <DIR>"), Description("Writes <image name>-head<i>.png per head, <image name>-overlay.png and <image name>-image.png.")]
    public string? Out { get; init; }
    [CommandOption("--alpha <A>"), Description("Overlay opacity of the heat map in [[0, 1]] (default 0.6).")] public float Alpha { get; init; } = 0.6f;

    protected override EvalResize DefaultResize => EvalResize.Dense;

    protected override ValidationResult ValidateCommand()
    {
        if (RequireFile(Image, "--image", "IMG") is { } image) return image;
        if (!ImageDecoder.IsImagePath(Image!)) return ValidationResult.Error($"--image '{Image}': expected {string.Join(", ", ImageDecoder.Extensions)}");
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required");
        if (!(Alpha >= 0 && Alpha <= 1)) return ValidationResult.Error($"--alpha {Alpha}: must be in [0, 1]");
        return ValidationResult.Success();
    }
}

/// <summary>`densedino attention`: last-block CLS attention per head as PNG heat maps and an overlay.</summary>
public sealed class AttentionCommand : EvalCommand<AttentionSettings>
{
    private RgbImage? image;

    protected override void Prepare(AttentionSettings s) => image = ImageDecoder.Decode(s.Image!);

    protected override int Run(AttentionSettings s, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(s.Out!);
        var options = new AttentionOptions(s.ResizeRule, s.Alpha);
        var result = AttentionMaps.Compute(vit, image!, options);
        var paths = AttentionMaps.Write(result, Path.Combine(s.Out!, Path.GetFileNameWithoutExtension(s.Image!)), options);
        Console.WriteLine($"{result.Maps.Length} heads, {result.GridHeight}x{result.GridWidth} patches:");
        foreach (string p in paths) Console.WriteLine("  " + p);
        return 0;
    }
}
