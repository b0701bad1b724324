using DenseDino.Backends.Cpu;
using DenseDino.Interop;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Training;
using StbImageWriteSharp;

namespace DenseDino.Cli.Tests;

/// <summary>A temp folder with a tiny random checkpoint (ours and safetensors), sample images and a tiny msrc-layout segmentation set.</summary>
internal sealed class CliFixtures : IDisposable
{
    public static readonly IBackend Cpu = new CpuBackend(2);

    public CliFixtures()
    {
        Root = Path.Combine(Path.GetTempPath(), "densedino-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Sub(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>img 32, patch 16, D 24, depth 2, 2 heads.</summary>
    public static TrainingConfig TinyConfig(string dataDir, string outputDir) => new()
    {
        Arch = "vit_tiny", ImgSize = 32, PatchSize = 16, EmbedDim = 24, Depth = 2, NumHeads = 2,
        OutDim = 64, HeadHiddenDim = 32, HeadBottleneckDim = 16, Views = 4, NumReference = 2,
        BatchSize = 4, Epochs = 3, WarmupEpochs = 1, Lr = 0.05, FreezeLastLayer = 1,
        DataPath = dataDir, OutputDir = outputDir, NumWorkers = 2, Threads = 2, Seed = 7, Deterministic = true,
    };

    /// <summary>Our checkpoint holding a random teacher backbone; also written as a DINO-style safetensors backbone.</summary>
    public (string Ours, string SafeTensors) WriteWeights()
    {
        var config = TinyConfig(Sub("unused"), Sub("unused"));
        using var vit = new VisionTransformer(Cpu, config.Vit(), 3);
        string ours = Sub("tiny.ddckpt"), official = Sub("tiny.safetensors");
        Checkpoint.Write(ours, new CheckpointMetadata { Config = config },
            vit.NamedParameters().Select(p => (EvalModel.TeacherBackbonePrefix + p.Name, p.Value)).ToList());
        OfficialCheckpoints.SaveDinoBackbone(vit, official);
        return (ours, official);
    }

    /// <summary>Copies <paramref name="perClass"/> images of the first two classes of data/sample/&lt;split&gt;.</summary>
    public string CopySamples(string split, int perClass = 2, string? name = null)
    {
        string dst = Sub(name ?? split);
        var classes = Directory.GetDirectories(Path.Combine(SampleDir(), split)).Order(StringComparer.Ordinal).Take(2);
        foreach (string cls in classes)
        {
            string target = Path.Combine(dst, Path.GetFileName(cls));
            Directory.CreateDirectory(target);
            foreach (string f in Directory.GetFiles(cls).Order(StringComparer.Ordinal).Take(perClass))
                File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        }
        return dst;
    }

    /// <summary>msrc-v2 layout: images/&lt;id&gt;.jpg (40x24, not a patch multiple), masks/&lt;id&gt;.png (labels 0..2), classes.txt, train.txt, val.txt.</summary>
    public string WriteMsrc()
    {
        string root = Sub("msrc");
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "masks"));
        File.WriteAllLines(Path.Combine(root, "classes.txt"), ["a", "b", "c"]);
        string[] ids = ["1_1", "1_2", "2_1", "2_2"];
        File.WriteAllLines(Path.Combine(root, "train.txt"), ids[..3]);
        File.WriteAllLines(Path.Combine(root, "val.txt"), ids[2..]);
        var rng = new Random(5);
        const int w = 40, h = 24;
        foreach (string id in ids)
        {
            var px = new byte[w * h * 3];
            rng.NextBytes(px);
            using (var s = File.Create(Path.Combine(root, "images", id + ".jpg")))
                new ImageWriter().WriteJpg(px, w, h, ColorComponents.RedGreenBlue, s, 90);
            var mask = new byte[w * h];
            for (int i = 0; i < mask.Length; i++) mask[i] = (byte)(i % w < 14 ? 0 : i % w < 28 ? 1 : 2);
            mask[0] = 255;
            using var m = File.Create(Path.Combine(root, "masks", id + ".png"));
            new ImageWriter().WritePng(mask, w, h, ColorComponents.Grey, m);
        }
        return root;
    }

    /// <summary>CamVid layout: classes.txt, &lt;split&gt;/images/&lt;name&gt;.jpg, &lt;split&gt;/masks/&lt;name&gt;.png (32x48, labels 0..1).</summary>
    public string WriteCamVid()
    {
        string root = Sub("camvid");
        Directory.CreateDirectory(root);
        File.WriteAllLines(Path.Combine(root, "classes.txt"), ["sky", "road"]);
        var rng = new Random(6);
        const int w = 32, h = 48;
        foreach (var (split, names) in new[] { ("train", new[] { "a", "b" }), ("val", new[] { "c" }) })
            foreach (string name in names)
            {
                Directory.CreateDirectory(Path.Combine(root, split, "images"));
                Directory.CreateDirectory(Path.Combine(root, split, "masks"));
                var px = new byte[w * h * 3];
                rng.NextBytes(px);
                using (var s = File.Create(Path.Combine(root, split, "images", name + ".jpg")))
                    new ImageWriter().WriteJpg(px, w, h, ColorComponents.RedGreenBlue, s, 90);
                var mask = new byte[w * h];
                for (int i = 0; i < mask.Length; i++) mask[i] = (byte)(i / w < h / 2 ? 0 : 1);
                using var m = File.Create(Path.Combine(root, split, "masks", name + ".png"));
                new ImageWriter().WritePng(mask, w, h, ColorComponents.Grey, m);
            }
        return root;
    }

    public static string SampleDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "sample");
            if (Directory.Exists(Path.Combine(candidate, "train"))) return candidate;
        }
        throw new DirectoryNotFoundException("data/sample not found above " + AppContext.BaseDirectory);
    }

    public static int Run(params string[] args) => CliApp.Run(args);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
