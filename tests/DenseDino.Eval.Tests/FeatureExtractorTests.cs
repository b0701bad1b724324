using DenseDino.Data;

namespace DenseDino.Eval.Tests;

public class FeatureExtractorTests
{
    [Fact]
    public void ShapesForSquareNonSquareAndResizedImages()
    {
        var vit = TestUtil.TinyVit();
        var fx = new FeatureExtractor(vit, new FeatureOptions(BatchSize: 2, Points: [0f, 0f, -0.5f, 0.5f, 0.9f, -0.9f]));
        var images = new[]
        {
            TestUtil.RandomImage(32, 32, 1),   // as is: 4×4 grid (the pretraining grid)
            TestUtil.RandomImage(48, 32, 2),   // as is, non-square: 4 rows × 6 columns
            TestUtil.RandomImage(50, 30, 3),   // resized: shorter side 224 → crop 224 → 28×28
            TestUtil.RandomImage(32, 32, 4),
        };
        var f = fx.Extract(images);
        Assert.Equal((4, 4, 16 * 16), (f[0].GridHeight, f[0].GridWidth, f[0].Patches.Length));
        Assert.Equal((4, 6, 24 * 16), (f[1].GridHeight, f[1].GridWidth, f[1].Patches.Length));
        Assert.Equal((28, 28), (f[2].GridHeight, f[2].GridWidth));
        Assert.All(f, x => Assert.Equal(16, x.Cls.Length));
        Assert.All(f, x => Assert.Equal(3 * 16, x.Refs!.Length));
        Assert.All(f, x => Assert.All(x.Cls, v => Assert.True(float.IsFinite(v))));

        // Batching must not change an image's features.
        var alone = new FeatureExtractor(vit, new FeatureOptions(BatchSize: 1, Points: fx.Options.Points)).Extract([images[3]])[0];
        for (int i = 0; i < alone.Cls.Length; i++) Assert.Equal(alone.Cls[i], f[3].Cls[i], 4);
        for (int i = 0; i < alone.Refs!.Length; i++) Assert.Equal(alone.Refs[i], f[3].Refs![i], 4);
    }

    [Fact]
    public void ResizeRules()
    {
        Assert.Equal((341, 256), EvalResize.ShorterSideSize(500, 375, 256));   // torchvision: int(256·500/375)
        Assert.Equal((224, 298), EvalResize.ShorterSideSize(300, 400, 224));
        var img = TestUtil.RandomImage(50, 30, 3);
        var c = new EvalResize(ShorterSide: 40, Crop: 32).Apply(img, 8);
        Assert.Equal((32, 32), (c.Width, c.Height));
        var d = EvalResize.Dense.Apply(img, 8);                       // 50×30 → 48×32: round(6.25)·8, round(3.75)·8
        Assert.Equal((48, 32), (d.Width, d.Height));
        var exact = TestUtil.RandomImage(24, 40, 4);
        Assert.Same(exact, EvalResize.Classification.Apply(exact, 8));
        Assert.Throws<ArgumentException>(() => new EvalResize(ShorterSide: 40, Crop: 30).Apply(img, 8));
        // Centre crop of a 66×40 image (shorter side already 40): x = round(34 / 2) = 17, so pixel (0, 0) is column 17.
        var wide = new RgbImage(66, 40, Enumerable.Range(0, 66 * 40 * 3).Select(i => (byte)((i / 3) % 66)).ToArray());
        var crop = new EvalResize(ShorterSide: 40, Crop: 32).Apply(wide, 8);
        Assert.Equal(17, crop[0, 0, 0]);
    }

    [Fact]
    public void FolderFeaturesAreSavedAsNpy()
    {
        string root = TestUtil.TempDir();
        foreach (var (folder, name, w) in new[] { ("b", "2.png", 32), ("a", "1.png", 32), ("a", "0.png", 40), ("b", "1.png", 32) })
            PngWriter.Write(Path.Combine(root, "data", folder, name), TestUtil.RandomImage(w, 32, name.Length + w));
        var fx = new FeatureExtractor(TestUtil.TinyVit(), new FeatureOptions(BatchSize: 3, Points: [0f, 0f]));
        var set = fx.ExtractFolder(Path.Combine(root, "data"));
        Assert.Equal(["a/0.png", "a/1.png", "b/1.png", "b/2.png"], set.Files);
        Assert.Equal([0, 0, 1, 1], set.Labels);
        Assert.Throws<InvalidOperationException>(() => set.Patches());   // 5×4 and 4×4 grids do not stack
        var written = set.Save(Path.Combine(root, "out", "feats.npy"), patches: false);
        Assert.Equal(3, written.Count);
        var cls = NpyFile.Read(Path.Combine(root, "out", "feats.npy"));
        Assert.Equal([4, 16], cls.Shape);
        Assert.Equal(set.Cls(), cls.Data);
        Assert.Equal([4, 1, 16], NpyFile.Read(Path.Combine(root, "out", "feats.refs.npy")).Shape);
        Assert.Equal("a/0.png\t0", File.ReadAllLines(Path.Combine(root, "out", "feats.files.txt"))[0]);
        var saved = SavedFeatures.Load(Path.Combine(root, "out", "feats.npy"));
        Assert.Equal((4, 16), (saved.Count, saved.Dim));
        Assert.Equal(set.Files, saved.Files);
        Assert.Equal(set.Labels, saved.Labels);
        File.WriteAllLines(Path.Combine(root, "out", "feats.files.txt"), ["a/0.png\t0"]);
        Assert.Contains("1 lines", Assert.Throws<InvalidDataException>(() => SavedFeatures.Load(Path.Combine(root, "out", "feats.npy"))).Message);

        var empty = new FeatureSet([], [], [], []);
        empty.Save(Path.Combine(root, "out", "empty.npy"));
        Assert.Equal([0, 0], NpyFile.Read(Path.Combine(root, "out", "empty.npy")).Shape);

        var same = new FeatureSet(set.Files.Skip(1).ToList(), set.Labels.Skip(1).ToList(), set.Classes, set.Items.Skip(1).ToList());
        same.Save(Path.Combine(root, "out", "same.npy"));
        Assert.Equal([3, 16, 16], NpyFile.Read(Path.Combine(root, "out", "same.patch.npy")).Shape);
    }
}
