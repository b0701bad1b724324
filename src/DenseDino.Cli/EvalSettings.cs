using System.ComponentModel;
using System.Globalization;
using DenseDino.Eval;
using DenseDino.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

/// <summary>
/// Flags every evaluation command shares. <see cref="Validate"/> runs before any work and names
/// the offending flag; Spectre then exits with a non-zero code.
/// </summary>
public abstract class EvalSettings : CommandSettings
{
    [CommandOption("--weights <FILE>"), Description("Our checkpoint (.ddckpt, teacher backbone) or an official DINO/DenseDINO .pth / .safetensors (architecture inferred).")]
    public string? Weights { get; init; }

    [CommandOption("--heads <N>"), Description("Attention heads of official weights (default embed_dim/64; ours store it).")]
    public int? Heads { get; init; }

    [CommandOption("--backend <NAME>"), Description("cpu (default), cuda, opencl or ilgpu-cpu.")]
    public string Backend { get; init; } = "cpu";

    [CommandOption("--device <N>"), Description("Device index for cuda, opencl, ilgpu-cpu (default 0).")]
    public int Device { get; init; }

    [CommandOption("--threads <N>"), Description("cpu backend threads, 0 = every core.")]
    public int Threads { get; init; }

    [CommandOption("--batch-size <B>"), Description("Images per forward pass (default 32).")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--resize <RULE>"), Description("For images whose sides are not multiples of the patch size: crop[[:S[[:C]]]] (shorter side to S, centre crop CxC; default S = C = 224) or snap (each side to the nearest multiple of the patch).")]
    public string? Resize { get; init; }

    /// <summary>The rule when --resize is not given.</summary>
    protected virtual EvalResize DefaultResize => EvalResize.Classification;

    public EvalResize ResizeRule => Resize is null ? DefaultResize : ParseResize(Resize) ?? DefaultResize;

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Weights)) return ValidationResult.Error("--weights FILE is required");
        if (!File.Exists(Weights)) return ValidationResult.Error($"--weights: file '{Weights}' does not exist");
        if (Heads is <= 0) return ValidationResult.Error($"--heads {Heads}: must be > 0");
        if (!BackendNames.Available.Contains(Backend))
            return ValidationResult.Error($"--backend '{Backend}': unknown; known backends: {string.Join(", ", BackendNames.Available)}");
        if (Device < 0) return ValidationResult.Error($"--device {Device}: must be >= 0");
        if (Threads is < 0 or > 1024) return ValidationResult.Error($"--threads {Threads}: must be in [0, 1024] (0 = every core)");
        if (BatchSize <= 0) return ValidationResult.Error($"--batch-size {BatchSize}: must be > 0");
        if (Resize is not null && ParseResize(Resize) is null)
            return ValidationResult.Error($"--resize '{Resize}': expected crop, crop:S, crop:S:C (C <= S) or snap");
        return ValidateCommand();
    }

    protected abstract ValidationResult ValidateCommand();

    protected static ValidationResult? RequireFile(string? path, string flag, string what = "FILE")
    {
        if (string.IsNullOrWhiteSpace(path)) return ValidationResult.Error($"{flag} {what} is required");
        return File.Exists(path) ? null : ValidationResult.Error($"{flag}: file '{path}' does not exist");
    }

    protected static ValidationResult? RequireDirectory(string? path, string flag)
    {
        if (string.IsNullOrWhiteSpace(path)) return ValidationResult.Error($"{flag} DIR is required");
        return Directory.Exists(path) ? null : ValidationResult.Error($"{flag}: folder '{path}' does not exist");
    }

    /// <summary>crop | crop:S | crop:S:C | snap; null when malformed.</summary>
    public static EvalResize? ParseResize(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split(':');
        if (parts is ["snap"]) return EvalResize.Dense;
        if (parts[0] != "crop" || parts.Length > 3) return null;
        int s = 224;
        if (parts.Length >= 2 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out s)) return null;
        int c = s;
        if (parts.Length == 3 && !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out c)) return null;
        if (s <= 0 || c <= 0 || c > s) return null;
        return new EvalResize(ResizeMode.ShorterSideCenterCrop, s, c);
    }
}
