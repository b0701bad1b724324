namespace DenseDino.Eval.Tests;

public class KnnTests
{
    private static float[] Unit(double degrees, double scale = 1) =>
        [(float)(scale * Math.Cos(degrees * Math.PI / 180)), (float)(scale * Math.Sin(degrees * Math.PI / 180))];

    private static KnnAccuracy One(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, int k, double t = 0.07, int? classes = null) =>
        KnnClassifier.Evaluate(train.SelectMany(x => x).ToArray(), trainLabels, test.SelectMany(x => x).ToArray(), testLabels,
            train[0].Length, new KnnOptions([k], t, NumClasses: classes)).Rows[0];

    [Fact]
    public void NearestNeighbourWinsAndFeaturesAreNormalised()
    {
        // Scale must not matter: cosine similarity of L2-normalised features.
        float[][] train = [Unit(0, 5), Unit(90, 0.1), Unit(180, 3)];
        var r = One(train, [0, 1, 2], [Unit(10, 7), Unit(85), Unit(200, 0.01)], [0, 1, 2], k: 1);
        Assert.Equal(100, r.Top1);
        r = One(train, [0, 1, 2], [Unit(10), Unit(85), Unit(200)], [1, 2, 0], k: 1);
        Assert.Equal(0, r.Top1);
        Assert.Equal(0, r.Top5);   // top-5 looks at min(5, k) = 1 class only
    }

    [Fact]
    public void VotesAreWeightedByExpSimilarityOverT()
    {
        // One class-1 neighbour at sim 1 against two class-0 neighbours at sim 0.5:
        // T = 0.07: e^(1/0.07) ≫ 2e^(0.5/0.07), class 1 wins; T = 10: 1.105 < 2·1.051, class 0 wins.
        float[][] train = [Unit(0), Unit(60), Unit(-60)];
        int[] labels = [1, 0, 0];
        Assert.Equal(100, One(train, labels, [Unit(0)], [1], k: 3, t: 0.07).Top1);
        Assert.Equal(100, One(train, labels, [Unit(0)], [0], k: 3, t: 10).Top1);
    }

    [Fact]
    public void TopFiveRanksClassesByScoreThenByIndex()
    {
        // All ten neighbours vote class 5; the five others score 0 and rank by index after it.
        var train = Enumerable.Range(0, 10).Select(i => Unit(i)).ToArray();
        var labels = Enumerable.Repeat(5, 10).ToArray();
        float[][] test = [Unit(3), Unit(3), Unit(3), Unit(3)];
        var r = One(train, labels, test, [5, 0, 3, 4], k: 10, classes: 6);
        Assert.Equal(25, r.Top1);        // only class 5
        Assert.Equal(75, r.Top5);        // 5 (rank 0), 0 (1), 3 (4) hit; 4 ranks 5th place index 5, a miss
    }

    [Fact]
    public void TopFiveCountsSecondBestClass()
    {
        // Neighbours: 3 of class 2 close, 2 of class 1 farther; target 1 ranks second: top-1 miss, top-5 hit.
        float[][] train = [Unit(1), Unit(2), Unit(3), Unit(20), Unit(21), Unit(170)];
        int[] labels = [2, 2, 2, 1, 1, 0];
        var r = One(train, labels, [Unit(0)], [1], k: 5);
        Assert.Equal((0.0, 100.0), (r.Top1, r.Top5));
    }

    [Fact]
    public void ChunkingAndKClampDoNotChangeResults()
    {
        var rng = new Random(3);
        int d = 8, ntr = 50, nte = 23;
        var train = Enumerable.Range(0, ntr * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var test = Enumerable.Range(0, nte * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var trl = Enumerable.Range(0, ntr).Select(i => i % 4).ToArray();
        var tel = Enumerable.Range(0, nte).Select(i => i % 4).ToArray();
        var a = KnnClassifier.Evaluate(train, trl, test, tel, d, new KnnOptions(ChunkSize: 1));
        var b = KnnClassifier.Evaluate(train, trl, test, tel, d, new KnnOptions(ChunkSize: 1000));
        Assert.Equal(a.Rows, b.Rows);
        var onBackend = KnnClassifier.Evaluate(train, trl, test, tel, d, new KnnOptions(ChunkSize: 7, Backend: TestUtil.Cpu));
        Assert.Equal(a.Rows, onBackend.Rows);
        Assert.Equal([10, 20, 100, 200], a.Rows.Select(r => r.K));
        Assert.Equal(ntr, a.Rows[2].KUsed);
        Assert.Equal(a.Rows[2], a.Rows[3] with { K = 100 });   // both clamp to all 50 neighbours
        Assert.Contains("top-1", a.ToTable());
        Assert.Contains("\"top5\"", a.ToJson());
    }

    [Fact]
    public void TopKBreaksTiesByLowerIndex()
    {
        Assert.Equal([1, 3, 0], KnnClassifier.TopK([0.5f, 0.9f, 0.1f, 0.9f, 0.5f], 3));
        // Against a full stable sort, with many ties (values on a coarse grid).
        var rng = new Random(9);
        var values = Enumerable.Range(0, 500).Select(_ => rng.Next(20) / 10f).ToArray();
        foreach (int k in new[] { 1, 7, 50, 500 })
            Assert.Equal(Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(k), KnnClassifier.TopK(values, k));
    }
}
