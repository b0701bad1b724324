namespace DenseDino.Training.Tests;

public class CheckpointTests
{
    [Fact]
    public void RoundTripRestoresEveryTensorAndCounter()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxSteps = 2;
        using var a = new Trainer(c, TestRuns.Cpu);
        a.Run(cancellationToken: TestContext.Current.CancellationToken);
        using var b = new Trainer(c, TestRuns.Cpu);
        b.LoadCheckpoint(a.CheckpointPath);
        Assert.Equal(2, b.Step);
        Assert.Equal(a.Optimizer.StepCount, b.Optimizer.StepCount);
        foreach (var ((name, x), (_, y)) in a.Teacher.NamedParameters().Zip(b.Teacher.NamedParameters()))
            Assert.True(x.ToArray().SequenceEqual(y.ToArray()), name);
        Assert.Equal(a.Loss.RefCenter.ToArray(), b.Loss.RefCenter.ToArray());
        Assert.Equal(a.Optimizer.Moments.Select(m => m.V.ToArray()).SelectMany(v => v), b.Optimizer.Moments.Select(m => m.V.ToArray()).SelectMany(v => v));
        Assert.Equal(a.Optimizer.Moments.Select(m => m.Steps), b.Optimizer.Moments.Select(m => m.Steps));
    }

    [Fact]
    public void MaxMinutesStopsAfterTheStepThatReachesItAndCheckpoints()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxMinutes = 1e-9;   // reached by the end of the first step
        using var t = new Trainer(c, TestRuns.Cpu);
        Assert.True(t.StopStep > 1);
        var records = t.Run(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(records);
        Assert.Equal(1, Checkpoint.Open(t.CheckpointPath).Metadata.Step);
        c.MaxMinutes = -1;
        Assert.Contains("max_minutes = -1", Assert.Throws<TrainingConfigException>(c.Validate).Message);
        c.MaxMinutes = 0;
        c.MaxMemoryGb = -0.5;
        Assert.Contains("max_memory_gb = -0.5", Assert.Throws<TrainingConfigException>(c.Validate).Message);
    }

    /// <summary>Ctrl+C's path: cancelling mid-epoch ends the run after the step under way, with that step checkpointed and logged.</summary>
    [Fact]
    public void CancellingStopsAfterTheStepUnderWayAndCheckpointsIt()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var t = new Trainer(c, TestRuns.Cpu);
        Assert.Equal(2, t.Schedules.ItersPerEpoch);   // step 3 is mid-epoch: no epoch-end checkpoint there
        Assert.True(t.StopStep > 3);
        var records = t.Run(r => { if (r.Step == 3) cancel.Cancel(); }, cancel.Token);
        Assert.Equal([1, 2, 3], records.Select(r => r.Step));
        Assert.Equal(3, t.Step);
        Assert.Equal(3, Checkpoint.Open(t.CheckpointPath).Metadata.Step);
        Assert.Equal(3, StepLogReader.Read(Path.Combine(c.OutputDir, Trainer.LogFile)).Count);

        // Cancelled before it starts: nothing trained, nothing lost.
        using var again = new Trainer(runs.Tiny(), TestRuns.Cpu);
        again.LoadCheckpoint(again.CheckpointPath);
        Assert.Empty(again.Run(cancellationToken: cancel.Token));
        Assert.Equal(3, Checkpoint.Open(again.CheckpointPath).Metadata.Step);
    }

    [Fact]
    public void NotACheckpointIsReportedAsSuch()
    {
        using var runs = new TestRuns(0);
        string path = Path.Combine(runs.Root, "notes.txt");
        File.WriteAllText(path, "hello, this is not a checkpoint at all");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(path));
        Assert.Contains("is not a DenseDino checkpoint", e.Message);
        File.WriteAllBytes(path, [1, 2]);
        Assert.Contains("is not a DenseDino checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(path)).Message);
    }

    [Fact]
    public void TruncatedCheckpointIsReportedBeforeAllocating()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxSteps = 1;
        using var a = new Trainer(c, TestRuns.Cpu);
        a.Run(cancellationToken: TestContext.Current.CancellationToken);
        byte[] bytes = File.ReadAllBytes(a.CheckpointPath);
        string cut = Path.Combine(runs.Root, "cut.ddckpt");
        File.WriteAllBytes(cut, bytes[..^100]);
        Assert.Contains("is truncated", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(cut)).Message);
        File.WriteAllBytes(cut, bytes[..40]);   // inside the metadata
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(cut)).Message);
        // A huge metadata length must not be allocated.
        var huge = (byte[])bytes.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(huge, 16);
        File.WriteAllBytes(cut, huge);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(cut)).Message);
    }

    [Fact]
    public void OtherArchitectureNamesTheTensorAndBothShapes()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxSteps = 1;
        using var a = new Trainer(c, TestRuns.Cpu);
        a.Run(cancellationToken: TestContext.Current.CancellationToken);
        var wider = runs.Tiny("wider");
        wider.EmbedDim = 30;
        using var b = new Trainer(wider, TestRuns.Cpu);
        var e = Assert.Throws<InvalidDataException>(() => b.LoadCheckpoint(a.CheckpointPath));
        Assert.Contains("another architecture", e.Message);
        Assert.Contains("'student.backbone.cls_token' has shape [1, 1, 24], this model needs [1, 1, 30]", e.Message);
    }
}
