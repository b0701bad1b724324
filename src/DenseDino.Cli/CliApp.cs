using Spectre.Console.Cli;

namespace DenseDino.Cli;

/// <summary>The `densedino` command line (shared by Program and the in-process tests).</summary>
public static class CliApp
{
    /// <summary>
    /// Runs the command line; <c>--k</c> (knn's contract flag; Spectre needs long names of two or more characters) is read
    /// as <c>--ks</c>. Cancelling <paramref name="stop"/> asks the running command to stop cleanly (pretrain: checkpoint first).
    /// </summary>
    public static int Run(string[] args, CancellationToken stop = default) => Create().Run(args.Select(a =>
        a == "--k" ? "--ks" : a.StartsWith("--k=", StringComparison.Ordinal) ? "--ks=" + a[4..] : a), stop);

    public static CommandApp Create()
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("densedino");
            config.AddCommand<PretrainCommand>("pretrain").WithDescription("DenseDINO self-supervised pretraining of a ViT on a folder of images.");
            config.AddCommand<FeaturesCommand>("features").WithDescription("Frozen-backbone features of a folder of images as a float32 .npy (CLS, patch or reference tokens).");
            config.AddCommand<KnnCommand>("knn").WithDescription("Weighted k-NN classification on CLS features (DINO's eval_knn).");
            config.AddCommand<SegProbeCommand>("segprobe").WithDescription("Linear segmentation probe on a frozen backbone (msrc-v2 or CamVid layout): mIoU, per-class IoU, confusion matrix.");
            config.AddCommand<AttentionCommand>("attention").WithDescription("Last-block CLS attention per head as PNG heat maps and an overlay.");
            config.AddCommand<ExportCommand>("export").WithDescription("The frozen backbone of a checkpoint as .safetensors or .pth (PyTorch names, no heads or optimiser state).");
        });
        return app;
    }
}
