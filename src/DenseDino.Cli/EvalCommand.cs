using DenseDino.Interop;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Training;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

/// <summary>
/// Base of the evaluation commands: builds the backend and loads the frozen backbone, then runs the
/// command; expected failures print one "error: …" line and exit with code 1.
/// </summary>
public abstract class EvalCommand<TSettings> : Command<TSettings> where TSettings : EvalSettings
{
    public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            Prepare(settings);
            using var backend = BackendFactory.Create(settings.Backend, settings.Device, settings.Threads);
            using var vit = EvalModel.Load(backend, settings.Weights!, settings.Heads);
            Console.Error.WriteLine($"densedino {context.Name}: '{settings.Weights}' {vit.Config} on {settings.Backend}");
            return Run(settings, vit, backend, cancellationToken);
        }
        catch (Exception e) when (e is TrainingConfigException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or ArgumentException or InvalidOperationException or CheckpointMismatchException or OperationCanceledException or KeyNotFoundException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>Checks that need to read inputs (still before the model is loaded); throw to refuse.</summary>
    protected virtual void Prepare(TSettings settings) { }

    protected abstract int Run(TSettings settings, VisionTransformer vit, IBackend backend, CancellationToken cancellationToken);
}

/// <summary>Loads a frozen ViT backbone from our checkpoint (teacher) or an official checkpoint.</summary>
public static class EvalModel
{
    public const string TeacherBackbonePrefix = "teacher.backbone.";

    public static VisionTransformer Load(IBackend backend, string path, int? heads = null)
    {
        if (IsOurCheckpoint(path))
        {
            var reader = Checkpoint.Open(path);
            var config = reader.Metadata.Config.Vit() with { DropPathRate = 0 };
            var vit = new VisionTransformer(backend, config, 0);
            try
            {
                foreach (var (name, value) in vit.NamedParameters()) reader.ReadInto(TeacherBackbonePrefix + name, value);
            }
            catch
            {
                vit.Dispose();
                throw;
            }
            return vit;
        }
        return OfficialCheckpoints.LoadBackbone(backend, path, heads: heads);
    }

    public static bool IsOurCheckpoint(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[8];
        return file.ReadAtLeast(magic, 8, throwOnEndOfStream: false) == 8 && magic.SequenceEqual(Checkpoint.Magic);
    }

    /// <summary>OUT without a trailing .npy.</summary>
    public static string Stem(string outPath) =>
        outPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? outPath[..^4] : outPath;

    /// <summary>&lt;weights without extension&gt;.&lt;suffix&gt;, next to the weights.</summary>
    public static string NextToWeights(string weights, string suffix) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weights))!, Path.GetFileNameWithoutExtension(weights) + suffix);
}
