using System.Globalization;
using DenseDino.Training;

namespace DenseDino.Cli;

/// <summary>Config = defaults, or the checkpoint's config when resuming, then --config, then flags.</summary>
internal static class ConfigResolver
{
    public static TrainingConfig Resolve(PretrainSettings s)
    {
        var c = new TrainingConfig();
        if (s.Resume)
        {
            string dir = s.OutputDir ?? (s.ConfigPath is null ? c.OutputDir : TrainingConfig.Load(s.ConfigPath).OutputDir);
            string ckpt = Path.Combine(dir, Trainer.CheckpointFile);
            if (!File.Exists(ckpt)) throw new FileNotFoundException($"--resume: no checkpoint at '{ckpt}'", ckpt);
            c = Checkpoint.Open(ckpt).Metadata.Config;
            c.MaxSteps = 0;   // the interrupted run's stop points are not this run's
            c.MaxMinutes = 0;
            c.OutputDir = dir;
        }
        if (s.ConfigPath is not null) c = TrainingConfig.Load(s.ConfigPath);
        Apply(s, c);
        return c;
    }

    private static void Apply(PretrainSettings s, TrainingConfig c)
    {
        if (s.Arch is { } arch) c.Arch = arch;
        if (s.PatchSize is { } patch) c.PatchSize = patch;
        if (s.ImgSize is { } img) c.ImgSize = img;
        if (s.EmbedDim is { } dim) c.EmbedDim = dim;
        if (s.Depth is { } depth) c.Depth = depth;
        if (s.NumHeads is { } heads) c.NumHeads = heads;
        if (s.OutDim is { } k) c.OutDim = k;
        if (s.HeadHiddenDim is { } hidden) c.HeadHiddenDim = hidden;
        if (s.HeadBottleneckDim is { } bottleneck) c.HeadBottleneckDim = bottleneck;
        if (s.NormLastLayer is { } norm) c.NormLastLayer = norm;
        if (s.SharedHead is { } shared) c.SharedHead = shared;
        if (s.WithLearnableToken is { } token) c.WithLearnableToken = token;
        if (s.MaskMode is { } mask) c.MaskMode = mask;
        if (s.DropPathRate is { } dpr) c.DropPathRate = dpr;
        if (s.Views is { } views) c.Views = views;
        if (s.GlobalCropsScale is { } scale) c.GlobalCropsScale = ParseRange(scale);
        if (s.NumReference is { } nref) c.NumReference = nref;
        if (s.SamplingMode is { } sampling) c.SamplingMode = sampling;
        if (s.Alpha is { } alpha) c.Alpha = alpha;
        if (s.WarmupTeacherTemp is { } wtt) c.WarmupTeacherTemp = wtt;
        if (s.TeacherTemp is { } tt) c.TeacherTemp = tt;
        if (s.WarmupTeacherTempEpochs is { } wtte) c.WarmupTeacherTempEpochs = wtte;
        if (s.UseAllCropGlobal is { } allGlobal) c.UseAllCropGlobal = allGlobal;
        if (s.UseAllCropRef is { } allRef) c.UseAllCropRef = allRef;
        if (s.Epochs is { } epochs) c.Epochs = epochs;
        if (s.BatchSize is { } batch) c.BatchSize = batch;
        if (s.Lr is { } lr) c.Lr = lr;
        if (s.MinLr is { } minLr) c.MinLr = minLr;
        if (s.WarmupEpochs is { } warmup) c.WarmupEpochs = warmup;
        if (s.WeightDecay is { } wd) c.WeightDecay = wd;
        if (s.WeightDecayEnd is { } wdEnd) c.WeightDecayEnd = wdEnd;
        if (s.MomentumTeacher is { } mt) c.MomentumTeacher = mt;
        if (s.ClipGrad is { } clip) c.ClipGrad = clip;
        if (s.FreezeLastLayer is { } freeze) c.FreezeLastLayer = freeze;
        if (s.DataPath is { } data) c.DataPath = data;
        if (s.NumWorkers is { } workers) c.NumWorkers = workers;
        if (s.OutputDir is { } output) c.OutputDir = output;
        if (s.Backend is { } backend) c.Backend = backend;
        if (s.Device is { } device) c.Device = device;
        if (s.Threads is { } threads) c.Threads = threads;
        if (s.Gemm is { } gemm) c.Gemm = gemm.Trim().ToLowerInvariant();
        if (s.Precision is { } precision) c.Precision = precision.Trim().ToLowerInvariant();
        if (s.Seed is { } seed) c.Seed = seed;
        if (s.Deterministic) c.Deterministic = true;
        if (s.MaxSteps is { } maxSteps) c.MaxSteps = maxSteps;
        if (s.MaxMinutes is { } maxMinutes) c.MaxMinutes = maxMinutes;
        if (s.MaxMemoryGb is { } maxMemory) c.MaxMemoryGb = maxMemory;
        if (s.CheckpointEvery is { } every) c.CheckpointEvery = every;
    }

    private static double[] ParseRange(string text)
    {
        var parts = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new TrainingConfigException([$"global_crops_scale = '{text}': must be two numbers MIN,MAX in (0, 1]"]);
        return values;
    }
}
