namespace DenseDino.Training.Tests;

public class StepLogTests
{
    /// <summary>Every field survives log.jsonl (a non-finite loss as a string); a line from before the data-wait field reads it as 0.</summary>
    [Fact]
    public void RecordsRoundTripAndOlderLinesStillRead()
    {
        string dir = Path.Combine(Path.GetTempPath(), "densedino-steplog-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(dir, "log.jsonl");
        try
        {
            var first = new StepRecord(1, 0, 9.25, 4.5, 4.75, 5e-4, 0.04, 0.996, 0.04, 8, 1.5, DataWaitSeconds: 0.125);
            var second = new StepRecord(2, 0, double.NaN, 3.5, double.PositiveInfinity, 4e-4, 0.05, 0.997, 0.05, 7, 2.25, DataWaitSeconds: 3.75);
            using (var log = new StepLog(path, append: false))
            {
                log.Append(first);
                log.Append(second);
            }
            File.AppendAllText(path, "{\"step\":3,\"epoch\":1,\"loss\":2.5,\"loss_cls\":1.25,\"loss_ref\":1.25,\"lr\":1e-4,\"wd\":0.06,"
                + "\"momentum\":0.998,\"teacher_temp\":0.06,\"images\":8,\"seconds\":0.5}\n");
            var read = StepLogReader.Read(path);
            Assert.Equal(first, read[0]);
            Assert.Equal(second, read[1]);
            Assert.Equal(new StepRecord(3, 1, 2.5, 1.25, 1.25, 1e-4, 0.06, 0.998, 0.06, 8, 0.5), read[2]);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
