using DenseDino.Nn;

namespace DenseDino.Training;

/// <summary>Range checks of <see cref="TrainingConfig"/>; each message names the JSON field and the allowed range.</summary>
internal static class ConfigValidator
{
    public static readonly string[] Archs = ["vit_tiny", "vit_small", "vit_base"];
    public static readonly string[] MaskModeNames = ["020", "all2pos", "all2pos_pos2cls", "all2pos_pos2cls_eye", "all_query"];
    public static readonly string[] SamplingModes = ["random", "grid"];

    public static void Validate(TrainingConfig c)
    {
        var errors = new List<string>();
        void Require(bool ok, string field, object? value, string allowed)
        {
            if (!ok) errors.Add($"{field} = {Format(value)}: must be {allowed}");
        }

        Require(Archs.Contains(c.Arch), "arch", c.Arch, $"one of {string.Join(", ", Archs)}");
        Require(c.PatchSize is >= 1 and <= 64, "patch_size", c.PatchSize, "in [1, 64]");
        Require(c.ImgSize >= 1 && c.PatchSize >= 1 && c.ImgSize % c.PatchSize == 0, "img_size", c.ImgSize, $"a positive multiple of patch_size ({c.PatchSize})");
        Require(c.EmbedDim is null or >= 1, "embed_dim", c.EmbedDim, ">= 1 (or null for the preset)");
        Require(c.Depth is null or >= 1, "depth", c.Depth, ">= 1 (or null for the preset)");
        Require(c.NumHeads is null or >= 1, "num_heads", c.NumHeads, ">= 1 (or null for the preset)");
        if (Archs.Contains(c.Arch) && c.EmbedDim is not <= 0 && c.NumHeads is not <= 0)
        {
            var vit = VitConfig.Preset(c.Arch);
            int dim = c.EmbedDim ?? vit.Dim, heads = c.NumHeads ?? vit.Heads;
            Require(dim % heads == 0, "embed_dim", dim, $"a multiple of num_heads ({heads})");
        }
        Require(c.DropPathRate is >= 0f and < 1f, "drop_path_rate", c.DropPathRate, "in [0, 1)");
        Require(c.OutDim >= 1, "out_dim", c.OutDim, ">= 1");
        Require(c.HeadHiddenDim >= 1, "head_hidden_dim", c.HeadHiddenDim, ">= 1");
        Require(c.HeadBottleneckDim >= 1, "head_bottleneck_dim", c.HeadBottleneckDim, ">= 1");
        Require(MaskModeNames.Contains(c.MaskMode), "mask_mode", c.MaskMode, $"one of {string.Join(", ", MaskModeNames)}");

        Require(c.Views >= 2, "views", c.Views, ">= 2 (the two globals first)");
        Require(c.GlobalCropsScale is { Length: 2 } s && s[0] > 0 && s[0] <= s[1] && s[1] <= 1,
            "global_crops_scale", c.GlobalCropsScale, "two numbers 0 < min <= max <= 1");
        Require(c.NumReference >= 1, "num_reference", c.NumReference, ">= 1");
        Require(SamplingModes.Contains(c.SamplingMode), "sampling_mode", c.SamplingMode, "random or grid");
        Require(c.MinIntersection is >= 0 and < 0.5, "min_intersection", c.MinIntersection, "in [0, 0.5)");

        Require(c.Alpha is >= 0f and <= 1f, "alpha", c.Alpha, "in [0, 1]");
        Require(c.WarmupTeacherTemp is > 0f and <= 1f, "warmup_teacher_temp", c.WarmupTeacherTemp, "in (0, 1]");
        Require(c.TeacherTemp is > 0f and <= 1f, "teacher_temp", c.TeacherTemp, "in (0, 1]");
        Require(c.WarmupTeacherTempEpochs >= 0 && c.WarmupTeacherTempEpochs <= c.Epochs, "warmup_teacher_temp_epochs", c.WarmupTeacherTempEpochs, $"in [0, epochs ({c.Epochs})]");
        Require(c.StudentTemp is > 0f and <= 1f, "student_temp", c.StudentTemp, "in (0, 1]");
        Require(c.CenterMomentum is >= 0f and <= 1f, "center_momentum", c.CenterMomentum, "in [0, 1]");

        Require(c.Epochs >= 1, "epochs", c.Epochs, ">= 1");
        Require(c.BatchSize >= 1, "batch_size", c.BatchSize, ">= 1");
        Require(double.IsFinite(c.Lr) && c.Lr >= 0, "lr", c.Lr, "a finite number >= 0");
        Require(double.IsFinite(c.MinLr) && c.MinLr >= 0, "min_lr", c.MinLr, "a finite number >= 0");
        Require(c.WarmupEpochs >= 0 && c.WarmupEpochs <= c.Epochs, "warmup_epochs", c.WarmupEpochs, $"in [0, epochs ({c.Epochs})]");
        Require(double.IsFinite(c.WeightDecay) && c.WeightDecay >= 0, "weight_decay", c.WeightDecay, "a finite number >= 0");
        Require(double.IsFinite(c.WeightDecayEnd) && c.WeightDecayEnd >= 0, "weight_decay_end", c.WeightDecayEnd, "a finite number >= 0");
        Require(c.MomentumTeacher is >= 0 and <= 1, "momentum_teacher", c.MomentumTeacher, "in [0, 1]");
        Require(float.IsFinite(c.ClipGrad) && c.ClipGrad >= 0, "clip_grad", c.ClipGrad, ">= 0 (0 = off)");
        Require(c.FreezeLastLayer >= 0, "freeze_last_layer", c.FreezeLastLayer, ">= 0");

        Require(!string.IsNullOrWhiteSpace(c.DataPath), "data_path", c.DataPath, "a folder of images");
        Require(c.NumWorkers is >= 1 and <= 256, "num_workers", c.NumWorkers, "in [1, 256]");
        Require(BackendNames.Available.Contains(c.Backend), "backend", c.Backend, $"one of the available backends: {string.Join(", ", BackendNames.Available)} ({BackendNames.NotAvailableNote})");
        Require(c.Gemm is "auto" or "kernel" or "cublas", "gemm", c.Gemm, "auto, kernel or cublas");
        Require(c.Precision is "fp32" or "tf32" or "bf16", "precision", c.Precision, "fp32, tf32 or bf16 (tf32 and bf16 need a CUDA device with cuBLAS)");
        Require(c.Precision == "fp32" || c.Backend == "cuda", "precision", c.Precision, "fp32 unless backend = cuda");
        Require(c.Threads is >= 0 and <= 1024, "threads", c.Threads, "in [0, 1024] (0 = every core)");
        Require(c.MaxSteps >= 0, "max_steps", c.MaxSteps, ">= 0 (0 = no limit)");
        Require(double.IsFinite(c.MaxMinutes) && c.MaxMinutes >= 0, "max_minutes", c.MaxMinutes, "a finite number >= 0 (0 = no limit)");
        Require(double.IsFinite(c.MaxMemoryGb) && c.MaxMemoryGb >= 0, "max_memory_gb", c.MaxMemoryGb, "a finite number >= 0 (0 = no limit)");
        Require(c.CheckpointEvery >= 0, "checkpoint_every", c.CheckpointEvery, ">= 0 (0 = every epoch)");
        Require(!string.IsNullOrWhiteSpace(c.OutputDir), "output_dir", c.OutputDir, "a folder path");
        if (errors.Count > 0) throw new TrainingConfigException(errors);
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        double[] a => $"[{string.Join(", ", a)}]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
