using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using DenseDino.Numerics;

namespace DenseDino.Eval;

/// <summary>
/// Options of <see cref="KnnClassifier"/>; NumClasses null = 1 + the largest label seen. Backend
/// null = similarities on the CPU with TensorPrimitives; else one MatMul per chunk on it (a GPU).
/// </summary>
public sealed record KnnOptions(IReadOnlyList<int>? Ks = null, double Temperature = 0.07, int ChunkSize = 256, int? NumClasses = null, IBackend? Backend = null)
{
    public static readonly IReadOnlyList<int> DefaultKs = [10, 20, 100, 200];
    public IReadOnlyList<int> KList => Ks ?? DefaultKs;
}

/// <summary>Accuracy in percent for one k; KUsed = min(k, train count).</summary>
public sealed record KnnAccuracy(int K, int KUsed, double Top1, double Top5);

public sealed record KnnResult(int TrainCount, int TestCount, int NumClasses, double Temperature, IReadOnlyList<KnnAccuracy> Rows)
{
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"weighted k-NN, T = {Temperature}, {TrainCount} train / {TestCount} test, {NumClasses} classes");
        sb.AppendLine("    k    top-1    top-5");
        foreach (var r in Rows)
            sb.AppendLine(FormattableString.Invariant($"{r.K,5} {r.Top1,8:F2} {r.Top5,8:F2}{(r.KUsed != r.K ? $"  (k = {r.KUsed}: train set is smaller)" : "")}"));
        return sb.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(this, EvalJson.Options);
}

/// <summary>
/// DINO's weighted k-NN (eval_knn.py knn_classifier): L2-normalised features, cosine similarity,
/// the k most similar train features vote for their class with weight exp(sim / T); classes are
/// ranked by summed weight. Top-1 = the target ranks first; top-5 = it ranks within the first
/// min(5, k). Where torch leaves ties unspecified we fix them: neighbours with equal similarity
/// by lower train index, classes with equal score by lower class index (so a class with no
/// votes can still fill a top-5 slot, as in the original when fewer than five classes vote).
/// </summary>
public static class KnnClassifier
{
    /// <summary>CLS features of two sets (extracted now or loaded with <see cref="SavedFeatures.Load"/>).</summary>
    public static KnnResult Evaluate(SavedFeatures train, SavedFeatures test, KnnOptions? options = null)
    {
        if (train.Dim != test.Dim) throw new ArgumentException($"KnnClassifier: train dim {train.Dim} != test dim {test.Dim}");
        return Evaluate(train.Cls, train.Labels, test.Cls, test.Labels, train.Dim, options);
    }

    /// <summary>train [Ntr, D], test [Nte, D] (row-major, not yet normalised).</summary>
    public static KnnResult Evaluate(float[] train, IReadOnlyList<int> trainLabels, float[] test, IReadOnlyList<int> testLabels, int dim, KnnOptions? options = null)
    {
        options ??= new KnnOptions();
        int ntr = trainLabels.Count, nte = testLabels.Count;
        if (dim <= 0 || train.Length != (long)ntr * dim || test.Length != (long)nte * dim)
            throw new ArgumentException($"KnnClassifier: train {train.Length} / test {test.Length} values do not match {ntr} / {nte} rows of dim {dim}");
        if (ntr == 0 || nte == 0) throw new ArgumentException("KnnClassifier: train and test sets must be non-empty");
        if (options.ChunkSize <= 0 || !(options.Temperature > 0)) throw new ArgumentException("KnnClassifier: ChunkSize and Temperature must be > 0");
        var ks = options.KList;
        if (ks.Count == 0 || ks.Any(k => k <= 0)) throw new ArgumentException("KnnClassifier: ks must be positive");
        int classes = options.NumClasses ?? Math.Max(trainLabels.Max(), testLabels.Max()) + 1;
        if (trainLabels.Concat(testLabels).Any(l => l < 0 || l >= classes))
            throw new ArgumentException($"KnnClassifier: labels must lie in [0, {classes})");

        var trn = Normalize(train, dim);
        var tst = Normalize(test, dim);
        int kmax = Math.Min(ks.Max(), ntr);
        var top1 = new long[ks.Count];
        var top5 = new long[ks.Count];
        using var similarity = new ChunkSimilarity(trn, ntr, dim, options.Backend);
        // Chunks of test rows bound the similarity buffer to ChunkSize × Ntr floats.
        for (int start = 0; start < nte; start += options.ChunkSize)
        {
            int rows = Math.Min(options.ChunkSize, nte - start);
            float[] sims = similarity.Compute(tst, start, rows);                        // [rows, Ntr]
            Parallel.For(0, rows, () => (new long[ks.Count], new long[ks.Count]), (r, _, local) =>
            {
                var row = sims.AsSpan(r * ntr, ntr);
                int[] nn = TopK(row, kmax);
                int target = testLabels[start + r];
                for (int ki = 0; ki < ks.Count; ki++)
                {
                    int k = Math.Min(ks[ki], ntr);
                    int rank = TargetRank(row, nn, k, trainLabels, target, classes, options.Temperature);
                    if (rank == 0) local.Item1[ki]++;
                    if (rank < Math.Min(5, k)) local.Item2[ki]++;
                }
                return local;
            }, local =>
            {
                lock (top1)
                    for (int ki = 0; ki < ks.Count; ki++) { top1[ki] += local.Item1[ki]; top5[ki] += local.Item2[ki]; }
            });
        }
        var rowsOut = ks.Select((k, i) => new KnnAccuracy(k, Math.Min(k, ntr), 100.0 * top1[i] / nte, 100.0 * top5[i] / nte)).ToList();
        return new KnnResult(ntr, nte, classes, options.Temperature, rowsOut);
    }

    /// <summary>Indices of the k largest values, largest first, equal values by lower index.</summary>
    internal static int[] TopK(ReadOnlySpan<float> values, int k)
    {
        // Min-heap on (value, -index) of the best k so far.
        var heap = new PriorityQueue<int, (float, int)>(k + 1);
        for (int j = 0; j < values.Length; j++)
        {
            if (heap.Count < k) heap.Enqueue(j, (values[j], -j));
            else
            {
                heap.TryPeek(out _, out var worst);
                if (values[j] > worst.Item1 || (values[j] == worst.Item1 && -j > worst.Item2))
                    heap.EnqueueDequeue(j, (values[j], -j));
            }
        }
        var result = new int[heap.Count];
        for (int i = result.Length - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }

    /// <summary>
    /// Position of <paramref name="target"/> in the classes sorted by vote (descending, ties by
    /// lower class index) from the first k neighbours.
    /// </summary>
    internal static int TargetRank(ReadOnlySpan<float> sims, int[] neighbours, int k, IReadOnlyList<int> labels, int target, int classes, double temperature)
    {
        var score = new double[classes];
        for (int i = 0; i < k; i++)
            score[labels[neighbours[i]]] += Math.Exp(sims[neighbours[i]] / temperature);
        int rank = 0;
        for (int c = 0; c < classes; c++)
            if (score[c] > score[target] || (score[c] == score[target] && c < target)) rank++;
        return rank;
    }

    /// <summary>Row-wise x / max(‖x‖, 1e-12), as torch.nn.functional.normalize.</summary>
    public static float[] Normalize(float[] x, int dim)
    {
        var dst = new float[x.Length];
        for (int i = 0; i < x.Length; i += dim)
        {
            var row = x.AsSpan(i, dim);
            float norm = MathF.Max(TensorPrimitives.Norm(row), 1e-12f);
            TensorPrimitives.Divide(row, norm, dst.AsSpan(i, dim));
        }
        return dst;
    }
}
