namespace DenseDino.Training.Tests;

public class ResumeTests
{
    /// <summary>Interrupted after step k and resumed, a deterministic run reproduces every loss and the final weights bit for bit.</summary>
    [Theory]
    [InlineData(3)]   // mid-epoch (2 steps per epoch)
    [InlineData(2)]   // at an epoch boundary, still in the last-layer freeze's epoch 0 → 1 switch
    public void ResumedRunEqualsUninterruptedRun(int k)
    {
        using var runs = new TestRuns();
        var full = runs.Tiny("full");
        using var a = new Trainer(full, TestRuns.Cpu);
        var expected = a.Run(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(6, expected.Count);

        var first = runs.Tiny("split");
        first.MaxSteps = k;
        using (var b = new Trainer(first, TestRuns.Cpu))
            Assert.Equal(k, b.Run(cancellationToken: TestContext.Current.CancellationToken).Count);
        var second = runs.Tiny("split");
        using var c = new Trainer(second, TestRuns.Cpu);
        c.LoadCheckpoint(c.CheckpointPath);
        var resumed = c.Run(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected.Skip(k).Select(r => r.Step), resumed.Select(r => r.Step));
        for (int i = 0; i < resumed.Count; i++)
        {
            var (x, y) = (expected[k + i], resumed[i]);
            Assert.True(BitConverter.DoubleToInt64Bits(x.Loss) == BitConverter.DoubleToInt64Bits(y.Loss), $"step {y.Step}: {x.Loss:R} vs {y.Loss:R}");
            Assert.Equal(BitConverter.DoubleToInt64Bits(x.ClsLoss), BitConverter.DoubleToInt64Bits(y.ClsLoss));
            Assert.Equal(BitConverter.DoubleToInt64Bits(x.RefLoss), BitConverter.DoubleToInt64Bits(y.RefLoss));
        }
        foreach (var ((name, p), (_, q)) in a.Student.NamedParameters().Zip(c.Student.NamedParameters()))
            Assert.True(p.ToArray().SequenceEqual(q.ToArray()), name);
        Assert.Equal(6, StepLogReader.Read(Path.Combine(second.OutputDir, Trainer.LogFile)).Count);
    }

    /// <summary>
    /// Run uploads each sample's 8-bit views and has the backend normalise them; that must equal a step on the
    /// collated batch of the same views converted on the host (ToTensor + Normalize), bit for bit.
    /// </summary>
    [Fact]
    public void RunsStepEqualsAStepOnTheCollatedBatch()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny("run");
        c.MaxSteps = 1;
        using var a = new Trainer(c, TestRuns.Cpu);
        var expected = Assert.Single(a.Run(cancellationToken: TestContext.Current.CancellationToken));
        using var b = new Trainer(runs.Tiny("collated"), TestRuns.Cpu);
        var batch = b.loader.Batches(0, TestContext.Current.CancellationToken).First();
        Assert.All(batch, sample => Assert.NotNull(sample.ViewPixels));
        var record = b.TrainStep(Data.MultiCropBatch.Collate(batch.Select(WithFloatViews).ToList()));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Loss), BitConverter.DoubleToInt64Bits(record.Loss));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.RefLoss), BitConverter.DoubleToInt64Bits(record.RefLoss));
    }

    private static Data.MultiCropSample WithFloatViews(Data.MultiCropSample s) => new()
    {
        Views = [.. s.ViewPixels!.Select((pixels, v) => Data.TensorConversion.ToChw(new Data.RgbImage(s.ViewSizes[v], s.ViewSizes[v], pixels)))],
        ViewSizes = s.ViewSizes, Boxes = s.Boxes, Flipped = s.Flipped, PointCount = s.PointCount,
        StudentPoints = s.StudentPoints, TeacherPoints = s.TeacherPoints, Label = s.Label,
    };

    [Fact]
    public void DeterministicResumeRefusesAnotherThreadCount()
    {
        using var runs = new TestRuns();
        var c = runs.Tiny();
        c.MaxSteps = 1;
        using (var a = new Trainer(c, TestRuns.Cpu)) a.Run(cancellationToken: TestContext.Current.CancellationToken);
        var other = runs.Tiny();
        other.Threads = 1;
        using var b = new Trainer(other, TestRuns.Cpu);
        Assert.Contains("same --threads", Assert.Throws<InvalidDataException>(() => b.LoadCheckpoint(b.CheckpointPath)).Message);
    }
}
