using System.Text.Json;
using System.Text.Json.Serialization;
using DenseDino.Data;
using DenseDino.Nn;

namespace DenseDino.Training;

/// <summary>
/// Every hyper-parameter of a pretraining run. JSON names are the official main_dino.py argument
/// names (snake_case); the command line spells them in kebab-case. Defaults are the small
/// sample run (a few minutes on 2 cores); the official defaults are in the comments.
/// </summary>
public sealed class TrainingConfig
{
    // ---- model ----
    /// <summary>vit_tiny, vit_small or vit_base (official default vit_small).</summary>
    public string Arch { get; set; } = "vit_tiny";
    public int PatchSize { get; set; } = 16;
    /// <summary>Training crop size (official global_crops_size 224).</summary>
    public int ImgSize { get; set; } = 64;
    /// <summary>Overrides of the preset's width / depth / heads (null = the preset's).</summary>
    public int? EmbedDim { get; set; } = 96;
    public int? Depth { get; set; } = 4;
    public int? NumHeads { get; set; } = 3;
    public float DropPathRate { get; set; } = 0.1f;
    public int OutDim { get; set; } = 256;                   // official 65536
    public int HeadHiddenDim { get; set; } = 512;            // official 2048
    public int HeadBottleneckDim { get; set; } = 128;        // official 256
    public bool NormLastLayer { get; set; } = true;
    public bool SharedHead { get; set; }
    public bool WithLearnableToken { get; set; }
    /// <summary>020, all2pos, all2pos_pos2cls, all2pos_pos2cls_eye, all_query.</summary>
    public string MaskMode { get; set; } = "all2pos_pos2cls_eye";

    // ---- views ----
    /// <summary>V: views per image, the first two are the teacher's globals.</summary>
    public int Views { get; set; } = 4;
    public double[] GlobalCropsScale { get; set; } = [0.25, 1.0];
    /// <summary>Reference points per (global, view) pair (k·k with sampling_mode grid).</summary>
    public int NumReference { get; set; } = 2;
    /// <summary>random or grid.</summary>
    public string SamplingMode { get; set; } = "random";
    public double MinIntersection { get; set; } = 0.01;

    // ---- loss ----
    public float Alpha { get; set; } = 0.5f;
    // The sample default sharpens harder than the official 0.04: with K = 256 and 240 images, 0.04
    // drifts towards the uniform solution (loss → log K) within 60 steps, 0.02 learns.
    public float WarmupTeacherTemp { get; set; } = 0.02f;    // official 0.04
    public float TeacherTemp { get; set; } = 0.02f;          // official 0.04
    public int WarmupTeacherTempEpochs { get; set; }
    public float StudentTemp { get; set; } = 0.1f;
    public float CenterMomentum { get; set; } = 0.9f;
    public bool UseAllCropGlobal { get; set; }
    public bool UseAllCropRef { get; set; } = true;

    // ---- optimisation ----
    public int Epochs { get; set; } = 8;                     // official 100
    public int BatchSize { get; set; } = 16;                 // official 64 per GPU
    /// <summary>Peak lr for batch 256; the schedule uses lr·batch/256 (official 0.0005).</summary>
    public double Lr { get; set; } = 0.02;
    public double MinLr { get; set; } = 1e-5;                // official 1e-6
    public int WarmupEpochs { get; set; } = 1;               // official 10
    public double WeightDecay { get; set; } = 0.04;
    public double WeightDecayEnd { get; set; } = 0.04;       // official 0.4
    public double MomentumTeacher { get; set; } = 0.996;
    /// <summary>Per-tensor gradient norm limit; 0 turns clipping off.</summary>
    public float ClipGrad { get; set; } = 3.0f;
    public int FreezeLastLayer { get; set; }                 // official 1 (epoch); a 4-epoch run cannot spare one

    // ---- data and run ----
    public string DataPath { get; set; } = "data/sample/train";
    public int NumWorkers { get; set; } = 2;
    public long Seed { get; set; }
    /// <summary>Refuse to resume with another thread count (the CPU kernels' reduction order follows it).</summary>
    public bool Deterministic { get; set; }
    public string Backend { get; set; } = "cpu";
    /// <summary>Accelerator index among the backend's devices (cuda, opencl, ilgpu-cpu).</summary>
    public int Device { get; set; }
    /// <summary>Backend threads; 0 = every core.</summary>
    public int Threads { get; set; }
    /// <summary>GEMM engine of ILGPU backends: auto (cuBLAS on CUDA where it loads), kernel or cublas.</summary>
    public string Gemm { get; set; } = "auto";
    /// <summary>Matrix-product arithmetic: fp32 (the reference), tf32 or bf16 (CUDA tensor cores through cuBLAS on rounded operands, fp32 accumulate; everything else stays fp32).</summary>
    public string Precision { get; set; } = "fp32";
    /// <summary>Stop after this many steps in total (0 = run every epoch).</summary>
    public int MaxSteps { get; set; }
    /// <summary>Stop after the step that brings this run's wall-clock time to this many minutes (0 = no limit); the schedules stay those of every epoch.</summary>
    public double MaxMinutes { get; set; }
    /// <summary>
    /// Cap on the backend's memory pool in GiB (0 = no limit): a step that needs more stops training with an
    /// out-of-memory error naming the request, the last checkpoint intact, instead of taking the whole device or host.
    /// </summary>
    public double MaxMemoryGb { get; set; }
    /// <summary>Write a checkpoint every N steps (0 = at the end of each epoch only); one is always written at the end.</summary>
    public int CheckpointEvery { get; set; }
    public string OutputDir { get; set; } = "runs/sample";

    // ---- derived ----
    [JsonIgnore] public int PointCount => ReferencePoints.PointCount(Sampling, NumReference);
    [JsonIgnore] public ReferenceSampling Sampling => SamplingMode == "grid" ? ReferenceSampling.Grid : ReferenceSampling.Random;
    [JsonIgnore] public MaskMode Mask => MaskModes.Parse(MaskMode);

    public VitConfig Vit()
    {
        var preset = VitConfig.Preset(Arch, PatchSize, ImgSize);
        return preset with
        {
            Dim = EmbedDim ?? preset.Dim,
            Depth = Depth ?? preset.Depth,
            Heads = NumHeads ?? preset.Heads,
            DropPathRate = DropPathRate,
            LearnableRefToken = WithLearnableToken,
        };
    }

    public HeadConfig Head() => new(OutDim, HeadHiddenDim, HeadBottleneckDim, 3, NormLastLayer, SharedHead);

    public DenseDinoLossOptions Loss() => new()
    {
        OutDim = OutDim, Views = Views, WarmupTeacherTemp = WarmupTeacherTemp, TeacherTemp = TeacherTemp,
        WarmupTeacherTempEpochs = WarmupTeacherTempEpochs, Epochs = Epochs, StudentTemp = StudentTemp,
        CenterMomentum = CenterMomentum, Alpha = Alpha, ClsAllViews = UseAllCropGlobal, RefAllViews = UseAllCropRef,
    };

    // ---- JSON ----
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a config; unknown keys are errors (a typo would otherwise be ignored silently).</summary>
    public static TrainingConfig FromJson(string json, string source = "config")
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingConfig>(json, Json) ?? throw new InvalidDataException($"{source}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    public static TrainingConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    public TrainingConfig Clone() => FromJson(ToJson());

    /// <summary>Throws <see cref="TrainingConfigException"/> listing every bad field, its value and the allowed range.</summary>
    public void Validate() => ConfigValidator.Validate(this);
}
