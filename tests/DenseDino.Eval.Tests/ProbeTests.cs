namespace DenseDino.Eval.Tests;

public class ProbeTests
{
    [Fact]
    public void BilinearMatchesTorchAlignCornersFalse()
    {
        // torch.nn.functional.interpolate(torch.arange(4.).view(1,1,2,2), size=(4,4), mode="bilinear", align_corners=False)
        var up = new BilinearUpsampler(2, 2, 4, 4).Upsample([0f, 1f, 2f, 3f], 1);
        float[] expected = [0f, 0.25f, 0.75f, 1f, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f];
        Assert.Equal(expected, up);
        // Non-square, non-integer scale, two channels: each channel interpolated alike.
        var two = new BilinearUpsampler(2, 3, 5, 7).Upsample(Enumerable.Range(0, 12).Select(i => (float)(i / 2) * (i % 2 == 0 ? 1 : -1)).ToArray(), 2);
        for (int i = 0; i < two.Length; i += 2) Assert.Equal(two[i], -two[i + 1], 5);
    }

    /// <summary>Quadrant labels on a 16×16 mask from a 4×4 grid of noisy one-hot features, with void pixels.</summary>
    private static List<ProbeSample> Quadrants(int count, int seed)
    {
        var rng = new Random(seed);
        var samples = new List<ProbeSample>();
        for (int s = 0; s < count; s++)
        {
            int[] quadrantClass = Enumerable.Range(0, 4).Select(_ => rng.Next(3)).ToArray();
            int Class(int y, int x, int size) => quadrantClass[(y * 2 / size) * 2 + x * 2 / size];
            var feats = new float[16 * 5];
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    int o = (y * 4 + x) * 5;
                    feats[o + Class(y, x, 4)] = 1f;
                    feats[o + 3] = (float)rng.NextDouble();   // distractors
                    feats[o + 4] = (float)rng.NextDouble() - 0.5f;
                }
            var mask = new byte[256];
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    mask[y * 16 + x] = rng.NextDouble() < 0.1 ? LabelMask.Void : (byte)Class(y, x, 16);
            samples.Add(new ProbeSample(feats, 4, 4, new LabelMask(16, 16, mask)));
        }
        return samples;
    }

    [Fact]
    public void ProbeLearnsSeparableProblem()
    {
        var train = Quadrants(24, 1);
        var probe = new LinearProbe(5, 3);
        var losses = probe.Train(train, new ProbeTraining(Epochs: 30, LearningRate: 0.5f, BatchSize: 4));
        Assert.True(losses[^1] < losses[0] / 4, $"loss {losses[0]} -> {losses[^1]}");
        var cm = SegmentationProbe.Evaluate(probe, Quadrants(8, 2));
        Assert.True(cm.PixelAccuracy() > 0.99, $"pixel accuracy {cm.PixelAccuracy()}");
        Assert.True(cm.MeanIoU() > 0.98, $"mIoU {cm.MeanIoU()}");
    }

    [Fact]
    public void GradientMatchesFiniteDifference()
    {
        // One SGD step without momentum from zero weights moves each weight by −lr·∂L/∂w;
        // compare with a central difference of the mean loss.
        var samples = Quadrants(2, 5);
        var probe = new LinearProbe(5, 3);
        var t = new ProbeTraining(Epochs: 1, LearningRate: 1e-3f, BatchSize: 2, Momentum: 0f);
        probe.Train(samples, t);
        var after = (float[])probe.Weight.Clone();
        var init = InitialWeights(t.Seed, 5, 3);
        for (int idx = 0; idx < 15; idx += 4)
        {
            double h = 1e-3;
            var plus = (float[])init.Clone(); plus[idx] += (float)h;
            var minus = (float[])init.Clone(); minus[idx] -= (float)h;
            double numeric = (MeanLoss(plus, samples) - MeanLoss(minus, samples)) / (2 * h);
            double analytic = (init[idx] - after[idx]) / t.LearningRate;
            Assert.Equal(numeric, analytic, 2);
        }
    }

    private static float[] InitialWeights(int seed, int dim, int classes)
    {
        var rng = new Random(seed);
        float bound = 1f / MathF.Sqrt(dim);
        var w = new float[dim * classes];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * bound;
        return w;
    }

    private static double MeanLoss(float[] weight, List<ProbeSample> samples)
    {
        var probe = new LinearProbe(5, 3);
        weight.CopyTo(probe.Weight, 0);
        double loss = 0;
        long n = 0;
        foreach (var s in samples)
        {
            var up = s.Upsampler.Upsample(probe.GridLogits(s), 3);
            for (int p = 0; p < s.Mask.Labels.Length; p++)
            {
                int y = s.Mask.Labels[p];
                if (y == LabelMask.Void) continue;
                var u = up.AsSpan(p * 3, 3);
                double max = Math.Max(u[0], Math.Max(u[1], u[2]));
                double lse = max + Math.Log(Math.Exp(u[0] - max) + Math.Exp(u[1] - max) + Math.Exp(u[2] - max));
                loss += lse - u[y];
                n++;
            }
        }
        return loss / n;
    }
}
