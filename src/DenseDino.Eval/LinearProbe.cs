using System.Numerics.Tensors;

namespace DenseDino.Eval;

/// <summary>Frozen patch features of one image and its mask (the probe's training unit).</summary>
/// <param name="Features">[h·w, D]</param>
public sealed record ProbeSample(float[] Features, int GridHeight, int GridWidth, LabelMask Mask)
{
    private BilinearUpsampler? upsampler;
    public BilinearUpsampler Upsampler => upsampler ??= new BilinearUpsampler(GridHeight, GridWidth, Mask.Height, Mask.Width);
}

/// <summary>SGD settings of the probe (torch SGD: v = μv + g (+ wd·w); w −= lr·v).</summary>
public sealed record ProbeTraining(int Epochs = 20, float LearningRate = 0.01f, int BatchSize = 8, float Momentum = 0.9f, float WeightDecay = 0f, int Seed = 0);

/// <summary>
/// The 1×1-conv probe: logits [h·w, C] = features · Wᵀ + b, bilinearly upsampled to the mask,
/// cross-entropy over non-void pixels (mean over a batch's valid pixels). Gradients are written
/// out by hand: the upsampler is a fixed sparse linear map, so dLogits = Upᵀ · (softmax − onehot).
/// </summary>
public sealed class LinearProbe
{
    public LinearProbe(int dim, int classes)
    {
        if (dim <= 0 || classes <= 0 || classes > 255) throw new ArgumentException($"LinearProbe: dim {dim} / classes {classes} out of range (classes ≤ 255)");
        Dim = dim;
        Classes = classes;
        Weight = new float[classes * dim];
        Bias = new float[classes];
    }

    public int Dim { get; }
    public int Classes { get; }
    public float[] Weight { get; }   // [C, D]
    public float[] Bias { get; }     // [C]

    /// <summary>Trains in place; returns the mean loss of each epoch.</summary>
    public IReadOnlyList<double> Train(IReadOnlyList<ProbeSample> samples, ProbeTraining t)
    {
        if (t.Epochs < 0 || t.BatchSize <= 0 || !(t.LearningRate > 0)) throw new ArgumentException($"LinearProbe: bad training settings {t}");
        // Small random init (seeded) as nn.Conv2d would; zero also works for a convex problem.
        var rng = new Random(t.Seed);
        float bound = 1f / MathF.Sqrt(Dim);
        for (int i = 0; i < Weight.Length; i++) Weight[i] = (float)(rng.NextDouble() * 2 - 1) * bound;
        Array.Clear(Bias);
        var vw = new float[Weight.Length];
        var vb = new float[Bias.Length];
        var losses = new List<double>();
        var order = Enumerable.Range(0, samples.Count).ToArray();
        for (int epoch = 0; epoch < t.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double lossSum = 0;
            long pixelSum = 0;
            foreach (var batch in order.Chunk(t.BatchSize))
            {
                var gw = new float[Weight.Length];
                var gb = new float[Bias.Length];
                double loss = 0;
                long pixels = 0;
                object gate = new();
                Parallel.ForEach(batch, () => (new float[Weight.Length], new float[Bias.Length], 0.0, 0L), (i, _, acc) =>
                {
                    var (lw, lb, l, n) = acc;
                    var (dl, dn) = Accumulate(samples[i], lw, lb);
                    return (lw, lb, l + dl, n + dn);
                }, acc =>
                {
                    lock (gate)
                    {
                        TensorPrimitives.Add(gw, acc.Item1, gw);
                        TensorPrimitives.Add(gb, acc.Item2, gb);
                        loss += acc.Item3;
                        pixels += acc.Item4;
                    }
                });
                if (pixels == 0) continue;
                float inv = 1f / pixels;
                Step(Weight, gw, vw, inv, t);
                Step(Bias, gb, vb, inv, t with { WeightDecay = 0 });
                lossSum += loss;
                pixelSum += pixels;
            }
            losses.Add(pixelSum == 0 ? double.NaN : lossSum / pixelSum);
        }
        return losses;
    }

    /// <summary>Logits at the patch grid: [h·w, C].</summary>
    public float[] GridLogits(ProbeSample s)
    {
        int n = s.GridHeight * s.GridWidth;
        if (s.Features.Length != n * Dim) throw new ArgumentException($"LinearProbe: features {s.Features.Length} != {n}x{Dim}");
        var logits = new float[n * Classes];
        for (int i = 0; i < n; i++)
        {
            var f = s.Features.AsSpan(i * Dim, Dim);
            for (int c = 0; c < Classes; c++)
                logits[i * Classes + c] = TensorPrimitives.Dot(f, Weight.AsSpan(c * Dim, Dim)) + Bias[c];
        }
        return logits;
    }

    /// <summary>Arg-max class per mask pixel [H·W] (logits upsampled to the mask size).</summary>
    public byte[] Predict(ProbeSample s)
    {
        var up = s.Upsampler.Upsample(GridLogits(s), Classes);
        var pred = new byte[s.Mask.Width * s.Mask.Height];
        for (int p = 0; p < pred.Length; p++) pred[p] = (byte)TensorPrimitives.IndexOfMax(up.AsSpan(p * Classes, Classes));
        return pred;
    }

    /// <summary>Adds Σ-loss gradients of one sample into gw/gb; returns (Σ loss, valid pixels).</summary>
    private (double Loss, long Pixels) Accumulate(ProbeSample s, float[] gw, float[] gb)
    {
        int n = s.GridHeight * s.GridWidth, c = Classes;
        var logits = GridLogits(s);
        var dLogits = new float[n * c];
        var up = s.Upsampler;
        Span<int> idx = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        Span<float> u = stackalloc float[c];
        double loss = 0;
        long pixels = 0;
        byte[] labels = s.Mask.Labels;
        for (int oy = 0; oy < s.Mask.Height; oy++)
            for (int ox = 0; ox < s.Mask.Width; ox++)
            {
                int target = labels[oy * s.Mask.Width + ox];
                if (target == LabelMask.Void) continue;
                up.Taps(oy, ox, idx, w);
                u.Clear();
                for (int t = 0; t < 4; t++) TensorPrimitives.MultiplyAdd(logits.AsSpan(idx[t] * c, c), w[t], u, u);
                float max = TensorPrimitives.Max(u);
                TensorPrimitives.Subtract(u, max, u);
                TensorPrimitives.Exp(u, u);
                float sum = TensorPrimitives.Sum(u);
                loss += Math.Log(sum) - Math.Log(u[target]);
                TensorPrimitives.Divide(u, sum, u);
                u[target] -= 1f;                                   // dLoss/dUpsampled = softmax − onehot
                for (int t = 0; t < 4; t++)
                    if (w[t] != 0) TensorPrimitives.MultiplyAdd(u, w[t], dLogits.AsSpan(idx[t] * c, c), dLogits.AsSpan(idx[t] * c, c));
                pixels++;
            }
        if (pixels == 0) return (0, 0);
        for (int i = 0; i < n; i++)
        {
            var f = s.Features.AsSpan(i * Dim, Dim);
            for (int k = 0; k < c; k++)
            {
                float g = dLogits[i * c + k];
                if (g == 0) continue;
                TensorPrimitives.MultiplyAdd(f, g, gw.AsSpan(k * Dim, Dim), gw.AsSpan(k * Dim, Dim));
                gb[k] += g;
            }
        }
        return (loss, pixels);
    }

    private static void Step(float[] p, float[] g, float[] v, float scale, ProbeTraining t)
    {
        for (int i = 0; i < p.Length; i++)
        {
            float grad = g[i] * scale + t.WeightDecay * p[i];
            v[i] = t.Momentum * v[i] + grad;
            p[i] -= t.LearningRate * v[i];
        }
    }
}
