using DenseDino.Numerics;
using DenseDino.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

/// <summary>`densedino pretrain`: resolve and validate the config, train, write the plot; errors end with exit code 1 and one clear message.</summary>
public sealed class PretrainCommand : Command<PretrainSettings>
{
    public const string PlotFile = "loss.png";
    /// <summary>Exit code of a run stopped by Ctrl+C or SIGTERM after checkpointing (128 + SIGINT, as shells report it).</summary>
    public const int StoppedExitCode = 130;

    public override int Execute(CommandContext context, PretrainSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var config = ConfigResolver.Resolve(settings);
            config.Validate();
            IBackend backend = CreateBackend(config);
            using var trainer = new Trainer(config, backend, warn: message => Console.Error.WriteLine("warning: " + message));
            string checkpoint = trainer.CheckpointPath;
            if (settings.Resume) trainer.LoadCheckpoint(checkpoint);
            Console.Error.WriteLine($"densedino pretrain: {trainer.Folder.Count} images, {trainer.Schedules.ItersPerEpoch} steps/epoch, " +
                $"steps {trainer.Step}..{trainer.StopStep} of {trainer.Schedules.TotalSteps}, {config.Arch} {config.Vit()}, output '{config.OutputDir}'");

            if (trainer.Step >= trainer.StopStep)
                Console.Error.WriteLine($"warning: nothing to train: the checkpoint is at step {trainer.Step} and this run stops at step {trainer.StopStep}" +
                    (config.MaxSteps > 0 ? $" (max_steps = {config.MaxSteps})" : " (the end of the schedule)"));
            var progress = new ProgressReporter(trainer, plain: settings.Plain || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive);
            progress.Run(onStep => trainer.Run(onStep, cancellationToken));

            var log = StepLogReader.Read(Path.Combine(config.OutputDir, Trainer.LogFile));
            LossPlot.Write(Path.Combine(config.OutputDir, PlotFile), log);
            bool stopped = cancellationToken.IsCancellationRequested && trainer.Step < trainer.StopStep;
            Console.Error.WriteLine((stopped ? $"stopped at step {trainer.Step} of {trainer.StopStep} (add --resume to carry on): " : $"done: {trainer.Step} steps, ") +
                $"skipped {trainer.Folder.SkippedCount} unreadable images; " +
                $"checkpoint '{trainer.LastCheckpoint}', log '{Path.Combine(config.OutputDir, Trainer.LogFile)}', plot '{Path.Combine(config.OutputDir, PlotFile)}'");
            return stopped ? StoppedExitCode : 0;
        }
        catch (Exception e) when (e is TrainingConfigException or NonFiniteLossException or InvalidDataException
            or FileNotFoundException or DirectoryNotFoundException or OperationCanceledException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
        catch (OutOfMemoryException e)
        {
            // The device pool's message names the request and what was in use; the last checkpoint is intact.
            Console.Error.WriteLine($"error: out of memory: {e.Message}. Lower --batch-size (or --img-size, --out-dim), or raise --max-memory-gb where it is set; --resume carries on from the last checkpoint.");
            return 1;
        }
    }

    private static IBackend CreateBackend(TrainingConfig config) => BackendFactory.Create(config);
}
