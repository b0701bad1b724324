namespace DenseDino.Cli.Tests;

/// <summary>Ctrl+C / SIGTERM reach pretrain as a cancelled token: it checkpoints, says how to carry on, exits 130.</summary>
public class PretrainStopTests
{
    [Fact]
    public void StoppedPretrainCheckpointsAndResumeCarriesOn()
    {
        using var fx = new CliFixtures();
        var (config, file) = TinyRunConfig(fx, maxSteps: 2);

        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var (code, stderr) = RunCapturingErrors(["pretrain", "--config", file, "--plain"], stop.Token);
        Assert.Equal(PretrainCommand.StoppedExitCode, code);
        Assert.Contains("stopped at step 0 of 2 (add --resume to carry on)", stderr);
        Assert.True(File.Exists(Path.Combine(config.OutputDir, Training.Trainer.CheckpointFile)));

        var (resumed, output) = RunCapturingErrors(["pretrain", "--config", file, "--plain", "--resume"], TestContext.Current.CancellationToken);
        Assert.Equal(0, resumed);
        Assert.Contains("done: 2 steps", output);
        Assert.Equal(2, Training.Checkpoint.Open(Path.Combine(config.OutputDir, Training.Trainer.CheckpointFile)).Metadata.Step);

        // Resuming a finished run says there is nothing to do, rather than a silent no-op.
        var (again, said) = RunCapturingErrors(["pretrain", "--config", file, "--plain", "--resume"], TestContext.Current.CancellationToken);
        Assert.Equal(0, again);
        Assert.Contains("nothing to train: the checkpoint is at step 2 and this run stops at step 2 (max_steps = 2)", said);
    }

    /// <summary>A memory cap too small for one step: one clear error line, exit 1, the checkpoint from before intact.</summary>
    [Fact]
    public void PretrainOverItsMemoryCapStopsWithOneClearError()
    {
        using var fx = new CliFixtures();
        var (config, file) = TinyRunConfig(fx, maxSteps: 1);
        Assert.Equal(0, RunCapturingErrors(["pretrain", "--config", file, "--plain"], TestContext.Current.CancellationToken).Code);
        string checkpoint = Path.Combine(config.OutputDir, Training.Trainer.CheckpointFile);
        byte[] before = File.ReadAllBytes(checkpoint);

        var (code, stderr) = RunCapturingErrors(["pretrain", "--config", file, "--plain", "--resume", "--max-steps", "2", "--max-memory-gb", "0.0001"],
            TestContext.Current.CancellationToken);
        Assert.Equal(1, code);
        Assert.Contains("error: out of memory: BufferPool: cannot allocate", stderr);
        Assert.Contains("the pool's limit is", stderr);
        Assert.Contains("--resume carries on from the last checkpoint", stderr);
        Assert.DoesNotContain("   at ", stderr);   // no stack trace
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        Assert.Contains("max_memory_gb = -1", RunCapturingErrors(["pretrain", "--config", file, "--plain", "--max-memory-gb", "-1"],
            TestContext.Current.CancellationToken).Stderr);
    }

    /// <summary>The tiny config on copied samples, stopping after <paramref name="maxSteps"/>, saved as a --config file.</summary>
    private static (Training.TrainingConfig Config, string File) TinyRunConfig(CliFixtures fx, int maxSteps)
    {
        var config = CliFixtures.TinyConfig(fx.CopySamples("train"), fx.Sub("run"));
        config.MaxSteps = maxSteps;
        string file = fx.Sub("tiny.json");
        config.Save(file);
        return (config, file);
    }

    private static (int Code, string Stderr) RunCapturingErrors(string[] args, CancellationToken stop)
    {
        var previous = Console.Error;
        var errors = new StringWriter();
        Console.SetError(errors);
        try { return (CliApp.Run(args, stop), errors.ToString()); }
        finally { Console.SetError(previous); }
    }
}
