using System.Globalization;

namespace DenseDino.Training;

/// <summary>log.jsonl: one JSON object per step, flushed as written so a crash loses at most one line.</summary>
public sealed class StepLog : IDisposable
{
    private readonly StreamWriter writer;

    public StepLog(string path, bool append)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        writer = new StreamWriter(path, append) { AutoFlush = true };
    }

    public void Append(StepRecord r) => writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"step\":{r.Step},\"epoch\":{r.Epoch},\"loss\":{N(r.Loss)},\"loss_cls\":{N(r.ClsLoss)},\"loss_ref\":{N(r.RefLoss)}," +
        $"\"lr\":{N(r.Lr)},\"wd\":{N(r.WeightDecay)},\"momentum\":{N(r.Momentum)},\"teacher_temp\":{N(r.TeacherTemp)}," +
        $"\"images\":{r.Images},\"seconds\":{N(r.Seconds)},\"data_wait_seconds\":{N(r.DataWaitSeconds)}}}"));

    /// <summary>JSON has no NaN: non-finite values are written as strings.</summary>
    private static string N(double x) => double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : $"\"{x.ToString(CultureInfo.InvariantCulture)}\"";

    public void Dispose() => writer.Dispose();
}

/// <summary>Reads log.jsonl back (the plot covers a resumed run's earlier steps too; the last line for a step wins).</summary>
public static class StepLogReader
{
    public static IReadOnlyList<StepRecord> Read(string path)
    {
        var byStep = new SortedDictionary<int, StepRecord>();
        if (!File.Exists(path)) return [];
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var e = doc.RootElement;
            double D(string name) => e.GetProperty(name) is { ValueKind: System.Text.Json.JsonValueKind.String } s
                ? double.Parse(s.GetString()!, CultureInfo.InvariantCulture) : e.GetProperty(name).GetDouble();
            var r = new StepRecord(e.GetProperty("step").GetInt32(), e.GetProperty("epoch").GetInt32(), D("loss"), D("loss_cls"), D("loss_ref"),
                D("lr"), D("wd"), D("momentum"), D("teacher_temp"), e.GetProperty("images").GetInt32(), D("seconds"),
                e.TryGetProperty("data_wait_seconds", out _) ? D("data_wait_seconds") : 0);
            byStep[r.Step] = r;
        }
        return byStep.Values.ToList();
    }
}
