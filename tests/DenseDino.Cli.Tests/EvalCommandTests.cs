using System.Text.Json;
using DenseDino.Eval;

namespace DenseDino.Cli.Tests;

public class EvalCommandTests
{
    [Fact]
    public void FeaturesWritesClsPatchAndReferenceTokens()
    {
        using var fx = new CliFixtures();
        var (ours, official) = fx.WriteWeights();
        string images = fx.CopySamples("train");   // 4 images of 96x96: a 6x6 grid, used as is

        string cls = fx.Sub("out", "cls.npy");
        Assert.Equal(0, CliFixtures.Run("features", "--weights", ours, "--images", images, "--out", cls));
        var a = NpyFile.Read(cls);
        Assert.Equal([4, 24], a.Shape);
        var files = File.ReadAllLines(fx.Sub("out", "cls.files.txt"));
        Assert.Equal(4, files.Length);
        Assert.Equal(files.Order(StringComparer.Ordinal), files);

        // The same backbone exported as DINO safetensors gives the same CLS features.
        string cls2 = fx.Sub("out", "cls-official.npy");
        Assert.Equal(0, CliFixtures.Run("features", "--weights", official, "--heads", "2", "--images", images, "--out", cls2));
        var b = NpyFile.Read(cls2);
        for (int i = 0; i < a.Data.Length; i++) Assert.Equal(a.Data[i], b.Data[i], 1e-4f);

        string patch = fx.Sub("out", "patch.npy");
        Assert.Equal(0, CliFixtures.Run("features", "--weights", ours, "--images", images, "--out", patch, "--tokens", "patch", "--backend", "ilgpu-cpu"));
        Assert.Equal([4, 36, 24], NpyFile.Read(patch).Shape);

        string pointsFile = fx.Sub("points.npy");
        var points = new float[4 * 3 * 2];
        for (int i = 0; i < points.Length; i++) points[i] = (i % 5 - 2) / 2f * (i < 12 ? 1 : 0.5f);
        NpyFile.Write(pointsFile, points, 4, 3, 2);
        string refs = fx.Sub("out", "refs.npy");
        Assert.Equal(0, CliFixtures.Run("features", "--weights", ours, "--images", images, "--out", refs, "--points", pointsFile));
        Assert.Equal([4, 3, 24], NpyFile.Read(refs).Shape);
    }

    [Fact]
    public void KnnPrintsAndWritesJson()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string train = fx.CopySamples("train"), val = fx.CopySamples("val");
        string json = fx.Sub("knn", "result.json");
        Assert.Equal(0, CliFixtures.Run("knn", "--weights", ours, "--train", train, "--val", val, "--k", "1,3", "--resize", "crop:48:32", "--out", json));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(2, doc.RootElement.EnumerateObject().First(p => p.Name.Equals("rows", StringComparison.OrdinalIgnoreCase)).Value.GetArrayLength());

        // Default JSON path: next to the weights.
        Assert.Equal(0, CliFixtures.Run("knn", "--weights", ours, "--train", train, "--val", val, "--k", "2"));
        Assert.True(File.Exists(fx.Sub("tiny.knn.json")));
    }

    [Fact]
    public void SegprobeWritesJsonAndConfusionPng()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string data = fx.WriteMsrc();
        string outDir = fx.Sub("seg");
        Assert.Equal(0, CliFixtures.Run("segprobe", "--weights", ours, "--data", data, "--epochs", "2", "--out", outDir));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "segprobe.json")));
        var perClass = doc.RootElement.EnumerateObject().First(p => p.Name.Equals("perClass", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal(3, perClass.GetArrayLength());
        Assert.True(new FileInfo(Path.Combine(outDir, "confusion.png")).Length > 0);
    }

    [Fact]
    public void SegprobeDetectsTheCamVidLayout()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string data = fx.WriteCamVid();
        Assert.Equal(0, CliFixtures.Run("segprobe", "--weights", ours, "--data", data, "--epochs", "1", "--backend", "cpu", "--threads", "1"));
        string outDir = fx.Sub("tiny.segprobe");   // default: next to the weights
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "segprobe.json")));
        Assert.StartsWith("camvid/", doc.RootElement.EnumerateObject().First(p => p.Name.Equals("trainSet", StringComparison.OrdinalIgnoreCase)).Value.GetString());
        Assert.True(File.Exists(Path.Combine(outDir, "confusion.png")));
        // A split that does not exist is refused.
        Assert.Equal(1, CliFixtures.Run("segprobe", "--weights", ours, "--data", data, "--val-split", "test"));
    }

    [Fact]
    public void AttentionWritesAHeatMapPerHeadAndAnOverlay()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string image = Directory.GetFiles(fx.CopySamples("val", perClass: 1), "*.jpg", SearchOption.AllDirectories)[0];
        string outDir = fx.Sub("attn");
        Assert.Equal(0, CliFixtures.Run("attention", "--weights", ours, "--image", image, "--out", outDir));
        string stem = Path.GetFileNameWithoutExtension(image);
        foreach (string suffix in new[] { "-head0.png", "-head1.png", "-overlay.png", "-image.png" })
            Assert.True(File.Exists(Path.Combine(outDir, stem + suffix)), suffix);
        Assert.False(File.Exists(Path.Combine(outDir, stem + "-head2.png")));
    }

    [Fact]
    public void BadInputsAreRejectedNamingTheFlag()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string images = fx.CopySamples("train");

        static string Error(EvalSettings s) => s.Validate().Message ?? "";
        Assert.Contains("--weights", Error(new FeaturesSettings { Weights = fx.Sub("missing.pth"), Images = images, Out = fx.Sub("x.npy") }));
        Assert.Contains("--images", Error(new FeaturesSettings { Weights = ours, Images = fx.Sub("nope"), Out = fx.Sub("x.npy") }));
        Assert.Contains("--tokens", Error(new FeaturesSettings { Weights = ours, Images = images, Out = fx.Sub("x.npy"), Tokens = "all" }));
        Assert.Contains("--resize", Error(new FeaturesSettings { Weights = ours, Images = images, Out = fx.Sub("x.npy"), Resize = "crop:100:200" }));
        var backend = Error(new FeaturesSettings { Weights = ours, Images = images, Out = fx.Sub("x.npy"), Backend = "nosuch" });
        Assert.Contains("--backend", backend);
        Assert.Contains("ilgpu-cpu", backend);
        Assert.Contains("--k", Error(new KnnSettings { Weights = ours, Train = images, Val = images, K = "10,x" }));
        Assert.Contains("--temperature", Error(new KnnSettings { Weights = ours, Train = images, Val = images, Temperature = 0 }));
        Assert.Contains("--data", Error(new SegProbeSettings { Weights = ours, Data = fx.Sub("nope") }));
        Assert.Contains("--image", Error(new AttentionSettings { Weights = ours, Image = fx.Sub("nope.png"), Out = fx.Sub("a") }));

        // Through the command line: non-zero exit and nothing written.
        Assert.NotEqual(0, CliFixtures.Run("features", "--weights", fx.Sub("missing.pth"), "--images", images, "--out", fx.Sub("o", "x.npy")));
        Assert.NotEqual(0, CliFixtures.Run("features", "--weights", ours, "--images", images, "--out", fx.Sub("o", "x.npy"), "--batch-size", "0"));
        Assert.NotEqual(0, CliFixtures.Run("knn", "--weights", ours, "--train", images, "--val", images, "--backend", "nosuch"));
        Assert.NotEqual(0, CliFixtures.Run("attention", "--weights", ours, "--image", fx.Sub("nope.png"), "--out", fx.Sub("o")));
        // Wrong points shape (rows != images) is refused before the model runs.
        string points = fx.Sub("points.npy");
        NpyFile.Write(points, new float[2 * 3 * 2], 2, 3, 2);
        Assert.Equal(1, CliFixtures.Run("features", "--weights", ours, "--images", images, "--out", fx.Sub("o", "x.npy"), "--points", points));
        // Not a checkpoint at all.
        string junk = fx.Sub("junk.pth");
        File.WriteAllText(junk, "not a checkpoint");
        Assert.Equal(1, CliFixtures.Run("features", "--weights", junk, "--images", images, "--out", fx.Sub("o", "x.npy")));
        Assert.False(Directory.Exists(fx.Sub("o")));
    }
}
