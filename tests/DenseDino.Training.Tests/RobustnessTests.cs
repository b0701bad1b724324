namespace DenseDino.Training.Tests;

public class RobustnessTests
{
    [Fact]
    public void CorruptImageIsSkippedAndCountedWhileTrainingGoesOn()
    {
        using var runs = new TestRuns(7);
        string good = Directory.GetFiles(Path.Combine(runs.DataDir, "a"))[0];
        File.WriteAllBytes(Path.Combine(runs.DataDir, "a", "999-corrupt.jpg"), File.ReadAllBytes(good)[..300]);   // truncated JPEG
        var warnings = new List<string>();
        var c = runs.Tiny();
        using var t = new Trainer(c, TestRuns.Cpu, w => { lock (warnings) warnings.Add(w); });
        var records = t.Run(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(8, t.Folder.Count);
        Assert.Equal(1, t.Folder.SkippedCount);
        Assert.Single(warnings);
        Assert.Contains("999-corrupt.jpg", warnings[0]);
        Assert.Equal(6, records.Count);
        Assert.All(records, r => Assert.True(double.IsFinite(r.Loss)));
        Assert.Equal(3, records.Count(r => r.Images == 3));   // the corrupt file's batch, once per epoch
    }

    [Fact]
    public void NonFiniteLossStopsTrainingAndLeavesTheLastCheckpointIntact()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxSteps = 2;
        c.CheckpointEvery = 1;
        using var t = new Trainer(c, TestRuns.Cpu);
        t.Run(cancellationToken: TestContext.Current.CancellationToken);
        byte[] before = File.ReadAllBytes(t.CheckpointPath);

        var (_, token) = t.Student.NamedParameters().First(p => p.Name == "backbone.cls_token");
        var poisoned = token.ToArray();
        poisoned[0] = float.NaN;
        token.CopyFrom(poisoned);
        t.Config.MaxSteps = 0;
        var e = Assert.Throws<NonFiniteLossException>(() => t.Run(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(2, e.Step);
        Assert.Contains("loss is NaN at step 2", e.Message);
        Assert.Contains(t.CheckpointPath, e.Message);
        Assert.Equal(before, File.ReadAllBytes(t.CheckpointPath));
        Assert.Equal(2, Checkpoint.Open(t.CheckpointPath).Metadata.Step);
        Assert.Empty(Directory.GetFiles(c.OutputDir, "*.tmp"));
    }
}
