using System.ComponentModel;
using Spectre.Console.Cli;

namespace DenseDino.Cli;

/// <summary>
/// `densedino pretrain` flags: main_dino.py's argument names in kebab-case. Every value is
/// nullable: unset flags keep the value from --config (or the checkpoint when resuming, or the
/// defaults), so a flag always wins.
/// </summary>
public sealed class PretrainSettings : CommandSettings
{
    [CommandOption("--config <FILE>"), Description("JSON config (snake_case keys as in config.json); flags override it.")]
    public string? ConfigPath { get; init; }

    [CommandOption("--arch <ARCH>"), Description("vit_tiny, vit_small or vit_base.")] public string? Arch { get; init; }
    [CommandOption("--patch-size <N>")] public int? PatchSize { get; init; }
    [CommandOption("--img-size <PX>"), Description("Crop size of every view.")] public int? ImgSize { get; init; }
    [CommandOption("--embed-dim <N>"), Description("Override the preset's width.")] public int? EmbedDim { get; init; }
    [CommandOption("--depth <N>"), Description("Override the preset's depth.")] public int? Depth { get; init; }
    [CommandOption("--num-heads <N>"), Description("Override the preset's heads.")] public int? NumHeads { get; init; }
    [CommandOption("--out-dim <K>")] public int? OutDim { get; init; }
    [CommandOption("--head-hidden-dim <N>")] public int? HeadHiddenDim { get; init; }
    [CommandOption("--head-bottleneck-dim <N>")] public int? HeadBottleneckDim { get; init; }
    [CommandOption("--norm-last-layer <BOOL>")] public bool? NormLastLayer { get; init; }
    [CommandOption("--shared-head <BOOL>")] public bool? SharedHead { get; init; }
    [CommandOption("--with-learnable-token <BOOL>")] public bool? WithLearnableToken { get; init; }
    [CommandOption("--mask-mode <MODE>"), Description("020, all2pos, all2pos_pos2cls, all2pos_pos2cls_eye, all_query.")] public string? MaskMode { get; init; }
    [CommandOption("--drop-path-rate <R>")] public float? DropPathRate { get; init; }

    [CommandOption("--views <V>"), Description("Views per image; the first two are the teacher's globals.")] public int? Views { get; init; }
    [CommandOption("--global-crops-scale <MIN,MAX>"), Description("Crop area range, e.g. 0.25,1.")] public string? GlobalCropsScale { get; init; }
    [CommandOption("--num-reference <N>")] public int? NumReference { get; init; }
    [CommandOption("--sampling-mode <MODE>"), Description("random or grid.")] public string? SamplingMode { get; init; }

    [CommandOption("--alpha <A>"), Description("Weight of the CLS loss; REF gets 1 - alpha.")] public float? Alpha { get; init; }
    [CommandOption("--warmup-teacher-temp <T>")] public float? WarmupTeacherTemp { get; init; }
    [CommandOption("--teacher-temp <T>")] public float? TeacherTemp { get; init; }
    [CommandOption("--warmup-teacher-temp-epochs <N>")] public int? WarmupTeacherTempEpochs { get; init; }
    [CommandOption("--use-all-crop-global <BOOL>")] public bool? UseAllCropGlobal { get; init; }
    [CommandOption("--use-all-crop-ref <BOOL>")] public bool? UseAllCropRef { get; init; }

    [CommandOption("--epochs <N>")] public int? Epochs { get; init; }
    [CommandOption("--batch-size <B>")] public int? BatchSize { get; init; }
    [CommandOption("--lr <LR>"), Description("Peak lr for batch 256 (scaled by batch/256).")] public double? Lr { get; init; }
    [CommandOption("--min-lr <LR>")] public double? MinLr { get; init; }
    [CommandOption("--warmup-epochs <N>")] public int? WarmupEpochs { get; init; }
    [CommandOption("--weight-decay <WD>")] public double? WeightDecay { get; init; }
    [CommandOption("--weight-decay-end <WD>")] public double? WeightDecayEnd { get; init; }
    [CommandOption("--momentum-teacher <M>")] public double? MomentumTeacher { get; init; }
    [CommandOption("--clip-grad <NORM>"), Description("Per-tensor gradient norm limit, 0 = off.")] public float? ClipGrad { get; init; }
    [CommandOption("--freeze-last-layer <EPOCHS>")] public int? FreezeLastLayer { get; init; }

    [CommandOption("--data-path <DIR>")] public string? DataPath { get; init; }
    [CommandOption("--num-workers <N>")] public int? NumWorkers { get; init; }
    [CommandOption("--output-dir <DIR>")] public string? OutputDir { get; init; }
    [CommandOption("--backend <NAME>"), Description("cpu, cuda, opencl or ilgpu-cpu.")] public string? Backend { get; init; }
    [CommandOption("--device <N>"), Description("Device index for cuda, opencl, ilgpu-cpu.")] public int? Device { get; init; }
    [CommandOption("--threads <N>"), Description("Backend threads, 0 = every core.")] public int? Threads { get; init; }
    [CommandOption("--gemm <ENGINE>"), Description("GEMM of ILGPU backends: auto (cuBLAS on CUDA), kernel or cublas.")] public string? Gemm { get; init; }
    [CommandOption("--precision <P>"), Description("Matrix products: fp32 (default), tf32 or bf16 (cuda only; tensor cores, fp32 accumulate).")] public string? Precision { get; init; }
    [CommandOption("--seed <N>")] public long? Seed { get; init; }
    [CommandOption("--deterministic"), Description("Pin the thread count so a resumed run reproduces losses bit for bit.")] public bool Deterministic { get; init; }
    [CommandOption("--max-steps <N>"), Description("Stop after N steps in total (0 = all epochs).")] public int? MaxSteps { get; init; }
    [CommandOption("--max-memory-gb <GB>"), Description("Cap the backend's memory pool at GB GiB (0 = no limit): a step that needs more stops with an out-of-memory error, the last checkpoint intact.")] public double? MaxMemoryGb { get; init; }
    [CommandOption("--max-minutes <M>"), Description("Stop after the step that reaches M minutes of wall-clock time (0 = no limit); a checkpoint is written.")] public double? MaxMinutes { get; init; }
    [CommandOption("--checkpoint-every <N>"), Description("Checkpoint every N steps (0 = every epoch).")] public int? CheckpointEvery { get; init; }
    [CommandOption("--resume"), Description("Continue from <output-dir>/checkpoint.ddckpt.")] public bool Resume { get; init; }
    [CommandOption("--plain"), Description("Plain progress lines instead of the live display.")] public bool Plain { get; init; }
}
