using System.Diagnostics;
using DenseDino.Data;
using DenseDino.Nn;
using DenseDino.Numerics;

namespace DenseDino.Training;

/// <summary>
/// DenseDINO pretraining (main_dino.py train_dino / train_one_epoch): a student, its EMA
/// teacher (no gradients), the DenseDINO loss, AdamW with DINO's schedules, checkpoints and
/// resume. Randomness comes only from Config.Seed: data from (seed, epoch, index), drop path
/// from (seed, step), initial weights from seed.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string CheckpointFile = "checkpoint.ddckpt";
    public const string ConfigFile = "config.json";
    public const string LogFile = "log.jsonl";

    internal readonly DataLoader<MultiCropSample> loader;   // internal: tests replay its batches
    private readonly MaskMode mask;
    private readonly Tensor pixelTable;   // [3, 256]: ToTensor + Normalize of each byte value, per channel
    private int savedStep = -1;   // the step of the checkpoint in CheckpointPath, -1 = none from this trainer

    public Trainer(TrainingConfig config, IBackend backend, Action<string>? warn = null)
    {
        config.Validate();
        Config = config.Clone();
        Backend = backend;
        Threads = config.Threads == 0 ? Environment.ProcessorCount : config.Threads;
        mask = Config.Mask;

        Folder = new ImageFolder(Config.DataPath, warn);
        // Workers hand over 8-bit views; the backend normalises them (a quarter of the bytes to a device).
        var crop = new DenseDinoMultiCrop(Config.Views, Config.ImgSize, Config.GlobalCropsScale[0], Config.GlobalCropsScale[1],
            Config.NumReference, Config.Sampling, Config.MinIntersection) { PixelViews = true };
        pixelTable = Tensor.FromArray(backend, TensorConversion.NormalizationTable(crop.Pipeline.Normalize), [3, 256]);
        loader = MultiCropDataset.DenseDino(Folder, crop, Config.Seed)
            .CreateLoader(Config.BatchSize, Config.NumWorkers, prefetch: 2, shuffle: true, dropLast: true);
        if (loader.BatchCount == 0)
            throw new TrainingConfigException([$"batch_size = {Config.BatchSize}: must be <= the number of images in data_path '{Config.DataPath}' ({Folder.Count})"]);
        Schedules = new TrainingSchedules(Config, loader.BatchCount);

        int modelSeed = (int)(SeedMix.Mix(Config.Seed, 0x6d6f64656c) & int.MaxValue);
        Student = new DenseDinoModel(backend, Config.Vit(), Config.Head(), modelSeed);
        // The teacher starts as a copy of the student and never receives gradients.
        Teacher = new DenseDinoModel(backend, Config.Vit(), Config.Head(), modelSeed);
        Teacher.LoadState(Student.State());
        foreach (var (_, p) in Teacher.NamedParameters()) p.RequiresGrad = false;
        // One buffer per model, laid out alike: the update, the clip's norms and the EMA are one launch each.
        Student.FlattenParameters();
        Teacher.FlattenParameters();
        Loss = new DenseDinoLoss(backend, Config.Loss());
        Optimizer = new AdamWOptimizer(Student.TrainableParameters());
    }

    public TrainingConfig Config { get; }
    public IBackend Backend { get; }
    public int Threads { get; }
    public ImageFolder Folder { get; }
    public TrainingSchedules Schedules { get; }
    public DenseDinoModel Student { get; }
    public DenseDinoModel Teacher { get; }
    public DenseDinoLoss Loss { get; }
    public AdamWOptimizer Optimizer { get; }
    /// <summary>Steps completed (= the global iteration of the next step).</summary>
    public int Step { get; private set; }
    public int Epoch => Step / Schedules.ItersPerEpoch;
    public string OutputDir => Config.OutputDir;
    public string CheckpointPath => Path.Combine(Config.OutputDir, CheckpointFile);
    /// <summary>The last checkpoint this trainer wrote or resumed from.</summary>
    public string? LastCheckpoint { get; private set; }
    /// <summary>The step that ends this run: max_steps or the end of the last epoch.</summary>
    public int StopStep => Config.MaxSteps > 0 ? Math.Min(Config.MaxSteps, Schedules.TotalSteps) : Schedules.TotalSteps;

    /// <summary>
    /// Trains from <see cref="Step"/> to <see cref="StopStep"/> (or until max_minutes of wall-clock
    /// time have passed), writing config.json, log.jsonl and checkpoints into the output folder. A non-finite loss throws
    /// <see cref="NonFiniteLossException"/> before anything is updated or written. Cancelling
    /// <paramref name="cancellationToken"/> (Ctrl+C in the CLI) stops after the step under way and checkpoints it, as
    /// the end of a run does: <see cref="LoadCheckpoint"/> carries on from there.
    /// </summary>
    public IReadOnlyList<StepRecord> Run(Action<StepRecord>? onStep = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(OutputDir);
        Config.Save(Path.Combine(OutputDir, ConfigFile));
        var records = new List<StepRecord>();
        using var log = new StepLog(Path.Combine(OutputDir, LogFile), append: Step > 0);
        int iters = Schedules.ItersPerEpoch;
        var clock = Stopwatch.StartNew();
        bool outOfTime = false;
        while (Step < StopStep && !outOfTime && !cancellationToken.IsCancellationRequested)
        {
            int epoch = Epoch;
            var waiting = Stopwatch.StartNew();
            try
            {
                foreach (var samples in loader.Batches(epoch, Step % iters, cancellationToken))
                {
                    double dataWait = waiting.Elapsed.TotalSeconds;
                    var watch = Stopwatch.StartNew();
                    StepRecord? record = samples.Count == 0 ? null
                        : TrainStep(MultiCropBatch.Collate(samples, stackViews: false), samples, watch) with { DataWaitSeconds = dataWait };
                    Step++;   // a batch whose files were all corrupt still uses up its iteration
                    if (record is not null)
                    {
                        records.Add(record);
                        log.Append(record);
                        onStep?.Invoke(record);
                    }
                    if (Config.CheckpointEvery > 0 && Step % Config.CheckpointEvery == 0) SaveCheckpoint();
                    outOfTime = Config.MaxMinutes > 0 && clock.Elapsed.TotalMinutes >= Config.MaxMinutes;
                    if (Step >= StopStep || outOfTime || cancellationToken.IsCancellationRequested) break;
                    waiting.Restart();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;   // cancelled while waiting for a batch: the last finished step is checkpointed below
            }
            if (Config.CheckpointEvery == 0 && Step % iters == 0) SaveCheckpoint();
        }
        if (savedStep != Step) SaveCheckpoint();
        return records;
    }

    /// <summary>
    /// One step on a collated batch (Views[v] [B, 3, S, S], StudentPoints[v] [B, 2, M, 2],
    /// TeacherPoints[iq] [B, V, M, 2]) at global iteration <see cref="Step"/>; does not advance Step.
    /// </summary>
    public StepRecord TrainStep(MultiCropBatch batch, Stopwatch? watch = null) => TrainStep(batch, null, watch ?? Stopwatch.StartNew());

    /// <summary>The step on <paramref name="batch"/>'s points, with its views or, when given, the samples' own 8-bit views.</summary>
    private StepRecord TrainStep(MultiCropBatch batch, IReadOnlyList<MultiCropSample>? samples, Stopwatch watch)
    {
        int it = Step, epoch = Epoch;
        int b = batch.BatchSize, views = batch.ViewCount, m = batch.PointCount, s = Config.ImgSize;
        if (views != Config.Views || m != Config.PointCount)
            throw new ArgumentException($"Trainer: batch has {views} views and {m} points, the config {Config.Views} and {Config.PointCount}");
        if (batch.ViewSizes.Any(size => size != s))
            throw new ArgumentException($"Trainer: batch views are [{string.Join(", ", batch.ViewSizes)}] px, the config's img_size is {s}");
        double lr = Schedules.LearningRate[it], wd = Schedules.WeightDecay[it], momentum = Schedules.Momentum[it];

        using var scope = TensorScope.Begin();
        var images = samples is not null ? ImagesFromPixels(samples, views, s) : ImagesFromFloats(batch, views, s);   // [V·B, 3, S, S] view-major
        var studentPoints = Tensor.FromArray(Backend, Concat(batch.StudentPoints), [views * b, 2, m, 2]);    // [V·B, 2, M, 2]
        var teacherPoints = Tensor.FromArray(Backend, Concat(batch.TeacherPoints), [2 * b, views, m, 2]);    // [2B, V, M, 2]
        var settings = new StepSettings((float)lr, (float)wd, (float)momentum, epoch, epoch < Config.FreezeLastLayer,
            Config.ClipGrad, SeedMix.Mix(Config.Seed, it), mask);
        var losses = TrainingStep.Run(Student, Teacher, Loss, Optimizer, images, studentPoints, teacherPoints, settings);
        if (!losses.IsFinite) throw new NonFiniteLossException(it, epoch, losses.Total, LastCheckpoint);
        return new StepRecord(it + 1, epoch, losses.Total, losses.Cls, losses.Ref, lr, wd, momentum,
            Schedules.TeacherTemp[epoch], b, watch.Elapsed.TotalSeconds);
    }

    /// <summary>[V·B, 3, S, S], view-major, from the samples' 8-bit views: uploaded as bytes, normalised by the backend.</summary>
    private Tensor ImagesFromPixels(IReadOnlyList<MultiCropSample> samples, int views, int size)
    {
        var pixels = new byte[views * samples.Count][];
        for (int v = 0; v < views; v++)
            for (int i = 0; i < samples.Count; i++)
                pixels[v * samples.Count + i] = samples[i].ViewPixels?[v]
                    ?? throw new ArgumentException($"Trainer: sample {i} has float views where sample 0 has 8-bit ones");
        return PixelPacking.ToImages(Backend, pixels, size, size, pixelTable);
    }

    /// <summary>[V·B, 3, S, S], view-major, from a collated batch's stacked float views.</summary>
    private Tensor ImagesFromFloats(MultiCropBatch batch, int views, int size)
    {
        int b = batch.BatchSize;
        var images = Tensor.Empty(Backend, [views * b, 3, size, size]);
        for (int v = 0; v < views; v++) images.CopyFrom(batch.Views[v], v * b * 3L * size * size);
        return images;
    }

    private static float[] Concat(float[][] parts)
    {
        var all = new float[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(all, at);
            at += p.Length;
        }
        return all;
    }

    // ---- checkpoints ----

    public void SaveCheckpoint(string? path = null)
    {
        path ??= CheckpointPath;
        var metadata = new CheckpointMetadata
        {
            Step = Step, Epoch = Epoch, ItersPerEpoch = Schedules.ItersPerEpoch, Seed = Config.Seed, Threads = Threads,
            OptimizerSteps = Optimizer.StepCount,
            ParameterSteps = Optimizer.Moments.ToDictionary(x => x.Name, x => x.Steps),
            Architecture = $"{Config.Vit()} {Config.Head()}",
            Config = Config,
        };
        Checkpoint.Write(path, metadata, CheckpointTensors());
        LastCheckpoint = path;
        if (Path.GetFullPath(path) == Path.GetFullPath(CheckpointPath)) savedStep = Step;
    }

    private List<(string Name, Tensor Value)> CheckpointTensors()
    {
        var list = new List<(string, Tensor)>();
        list.AddRange(Student.NamedParameters().Select(p => ("student." + p.Name, p.Value)));
        list.AddRange(Teacher.NamedParameters().Select(p => ("teacher." + p.Name, p.Value)));
        foreach (var (name, m, v, _) in Optimizer.Moments)
        {
            list.Add(("optimizer.m." + name, m));
            list.Add(("optimizer.v." + name, v));
        }
        list.Add(("loss.center", Loss.Center));
        list.Add(("loss.ref_center", Loss.RefCenter));
        return list;
    }

    /// <summary>Restores every tensor and counter; the next <see cref="Run"/> continues exactly where that run stopped.</summary>
    public void LoadCheckpoint(string path)
    {
        var reader = Checkpoint.Open(path);
        var meta = reader.Metadata;
        if (meta.ItersPerEpoch != Schedules.ItersPerEpoch)
            throw new InvalidDataException($"checkpoint '{path}' has {meta.ItersPerEpoch} steps per epoch, this run {Schedules.ItersPerEpoch} (data_path or batch_size changed)");
        if (meta.Seed != Config.Seed)
            throw new InvalidDataException($"checkpoint '{path}' was trained with seed {meta.Seed}, this run has seed {Config.Seed}");
        if (Config.Deterministic && meta.Threads != Threads)
            throw new InvalidDataException($"checkpoint '{path}' ran on {meta.Threads} threads, this run on {Threads}; deterministic resume needs the same --threads");
        if (meta.Step < 0 || meta.Step > Schedules.TotalSteps)
            throw new InvalidDataException($"checkpoint '{path}' is at step {meta.Step}, outside this run's {Schedules.TotalSteps} steps");
        foreach (var (name, t) in CheckpointTensors()) reader.ReadInto(name, t);
        Optimizer.RestoreStepCounts(meta.OptimizerSteps, meta.ParameterSteps);
        Step = meta.Step;
        LastCheckpoint = path;
        if (Path.GetFullPath(path) == Path.GetFullPath(CheckpointPath)) savedStep = Step;
    }

    public void Dispose()
    {
        loader.Dispose();
        pixelTable.Dispose();
        Optimizer.Dispose();
        Loss.Dispose();
        Student.Dispose();
        Teacher.Dispose();
    }
}
