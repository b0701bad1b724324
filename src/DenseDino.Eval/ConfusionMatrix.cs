namespace DenseDino.Eval;

/// <summary>
/// Pixel confusion matrix [truth, prediction] over C classes; void truth (255) is ignored.
/// IoU_c = TP / (TP + FP + FN); a class absent from both truth and prediction has no IoU (NaN)
/// and is left out of the mean ("classes present"); background is an ordinary class.
/// </summary>
public sealed class ConfusionMatrix(int classes)
{
    public int Classes { get; } = classes > 0 ? classes : throw new ArgumentException($"ConfusionMatrix: classes must be > 0, got {classes}");
    public long[,] Counts { get; } = new long[classes, classes];

    public void Add(ReadOnlySpan<byte> truth, ReadOnlySpan<byte> prediction)
    {
        if (truth.Length != prediction.Length)
            throw new ArgumentException($"ConfusionMatrix: truth {truth.Length} and prediction {prediction.Length} pixels differ");
        for (int i = 0; i < truth.Length; i++)
        {
            int t = truth[i];
            if (t == LabelMask.Void) continue;
            int p = prediction[i];
            if (t >= Classes || p >= Classes)
                throw new ArgumentException($"ConfusionMatrix: label {Math.Max(t, p)} outside {Classes} classes");
            Counts[t, p]++;
        }
    }

    public double IoU(int c)
    {
        long tp = Counts[c, c], fp = 0, fn = 0;
        for (int j = 0; j < Classes; j++)
        {
            if (j == c) continue;
            fn += Counts[c, j];
            fp += Counts[j, c];
        }
        long union = tp + fp + fn;
        return union == 0 ? double.NaN : (double)tp / union;
    }

    public double[] PerClassIoU() => Enumerable.Range(0, Classes).Select(IoU).ToArray();

    public double MeanIoU()
    {
        var present = PerClassIoU().Where(v => !double.IsNaN(v)).ToArray();
        return present.Length == 0 ? double.NaN : present.Average();
    }

    /// <summary>Mean IoU over the classes with truth pixels only (a class only predicted is not counted).</summary>
    public double MeanIoUOverTruthClasses()
    {
        var values = new List<double>();
        for (int c = 0; c < Classes; c++)
        {
            long truth = 0;
            for (int j = 0; j < Classes; j++) truth += Counts[c, j];
            if (truth > 0) values.Add(IoU(c));
        }
        return values.Count == 0 ? double.NaN : values.Average();
    }

    public long Total
    {
        get { long s = 0; foreach (long v in Counts) s += v; return s; }
    }

    public double PixelAccuracy()
    {
        long correct = 0;
        for (int c = 0; c < Classes; c++) correct += Counts[c, c];
        long total = Total;
        return total == 0 ? double.NaN : (double)correct / total;
    }

    /// <summary>Rows as jagged arrays (JSON).</summary>
    public long[][] ToRows() => Enumerable.Range(0, Classes).Select(r => Enumerable.Range(0, Classes).Select(c => Counts[r, c]).ToArray()).ToArray();
}
