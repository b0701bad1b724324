namespace DenseDino.Training.Tests;

public class ConfigTests
{
    [Fact]
    public void DefaultsAreValidAndRoundTripThroughJson()
    {
        var c = new TrainingConfig();
        c.Validate();
        string json = c.ToJson();
        Assert.Contains("\"warmup_teacher_temp_epochs\"", json);
        Assert.Equal(json, TrainingConfig.FromJson(json).ToJson());
    }

    [Fact]
    public void BadValuesAreRejectedNamingEveryFieldAndItsRange()
    {
        var c = new TrainingConfig
        {
            Epochs = 0, Lr = -1, Arch = "vit_huge", ImgSize = 65, WarmupEpochs = 5, Views = 1, TeacherTemp = 0,
            GlobalCropsScale = [0.5, 0.2], Backend = "ilgpu", MomentumTeacher = 1.5, DropPathRate = 1, MaskMode = "bogus",
        };
        var e = Assert.Throws<TrainingConfigException>(c.Validate);
        string[] fields = ["epochs", "lr", "arch", "img_size", "warmup_epochs", "views", "teacher_temp", "global_crops_scale",
            "backend", "momentum_teacher", "drop_path_rate", "mask_mode"];
        foreach (string field in fields)
            Assert.Contains(e.Errors, line => line.StartsWith(field + " = ", StringComparison.Ordinal));
        Assert.Equal(fields.Length, e.Errors.Count);
        Assert.Contains("img_size = 65: must be a positive multiple of patch_size (16)", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
        Assert.Contains("cpu", e.Errors.Single(l => l.StartsWith("backend", StringComparison.Ordinal)));
    }

    [Fact]
    public void GemmAndPrecisionAreCheckedAgainstTheBackend()
    {
        var e = Assert.Throws<TrainingConfigException>(new TrainingConfig { Gemm = "fast", Precision = "fp8", Backend = "cuda" }.Validate);
        Assert.Contains(e.Errors, l => l.StartsWith("gemm = 'fast'", StringComparison.Ordinal) || l.StartsWith("gemm = fast", StringComparison.Ordinal));
        Assert.Contains(e.Errors, l => l.StartsWith("precision = ", StringComparison.Ordinal) && l.Contains("fp32, tf32 or bf16"));
        var cpu = Assert.Throws<TrainingConfigException>(new TrainingConfig { Precision = "tf32" }.Validate);
        Assert.Contains("backend = cuda", cpu.Errors.Single());
        new TrainingConfig { Backend = "cuda", Precision = "tf32", Gemm = "cublas" }.Validate();
        new TrainingConfig { Backend = "cuda", Precision = "bf16" }.Validate();
        Assert.Contains("backend = cuda", Assert.Throws<TrainingConfigException>(new TrainingConfig { Precision = "bf16" }.Validate).Errors.Single());
    }

    [Fact]
    public void TrainerValidatesBeforeTouchingTheData()
    {
        var c = new TrainingConfig { BatchSize = 0, DataPath = "/does/not/exist" };
        var e = Assert.Throws<TrainingConfigException>(() => new Trainer(c, TestRuns.Cpu));
        Assert.Contains("batch_size = 0: must be >= 1", e.Message);
    }

    [Fact]
    public void UnknownJsonKeysAreErrors()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingConfig.FromJson("{\"epochz\": 3}", "bad.json"));
        Assert.Contains("bad.json", e.Message);
        Assert.Contains("epochz", e.Message);
    }
}
