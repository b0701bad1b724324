using System.ComponentModel;
using DenseDino.Interop;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

public sealed class ExportSettings : EvalSettings
{
    [CommandOption("--out <FILE>"), Description("The backbone as .safetensors or .pth (torch.load gives a state_dict).")] public string? Out { get; init; }
    [CommandOption("--names <N>"), Description("densedino (default: cls_pos_embed + patch_pos_embed, as the official DenseDINO ViT) or dino (one pos_embed, as the official DINO ViT).")]
    public string Names { get; init; } = "densedino";

    protected override ValidationResult ValidateCommand()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required");
        string ext = Path.GetExtension(Out).ToLowerInvariant();
        if (ext is not (".safetensors" or ".pth")) return ValidationResult.Error($"--out '{Out}': expected a .safetensors or .pth file");
        if (Names is not ("densedino" or "dino")) return ValidationResult.Error($"--names '{Names}': expected densedino or dino");
        return ValidationResult.Success();
    }
}

/// <summary>
/// `densedino export`: the frozen backbone of a checkpoint (our teacher, or official weights) as a
/// PyTorch-loadable file a tenth the size of a training checkpoint (no heads, student or optimiser).
/// Written atomically (<see cref="AtomicFile"/>), so a failed export never leaves half a file.
/// </summary>
public sealed class ExportCommand : EvalCommand<ExportSettings>
{
    protected override int Run(ExportSettings s, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken)
    {
        var state = StateLoader.Save(vit).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (s.Names == "dino")
        {
            if (state.ContainsKey("ref_learn_token")) throw new InvalidOperationException("--names dino: this backbone has a learnable ref token, which DINO's ViT lacks; use --names densedino");
            state = OfficialStateDict.ToDinoBackbone(state);
        }
        string full = Path.GetFullPath(s.Out!);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["names"] = s.Names, ["num_heads"] = vit.Config.Heads.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        AtomicFile.Write(full, stream =>
        {
            if (full.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)) TorchCheckpointWriter.Write(stream, state);
            else SafeTensorsWriter.Write(stream, state, metadata);
        });
        long bytes = new FileInfo(full).Length;
        Console.WriteLine($"{state.Count} tensors, {state.Values.Sum(t => (long)t.Data.Length):N0} parameters, {bytes / 1e6:F1} MB -> {full}");
        return 0;
    }
}
