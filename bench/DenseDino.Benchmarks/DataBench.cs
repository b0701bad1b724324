using System.Diagnostics;
using System.Text.Json;
using DenseDino.Data;

namespace DenseDino.Benchmarks;

/// <summary>
/// Throughput of the data pipeline alone (decode, multi-crop augmentation, reference points, batch
/// assembly) as the trainer runs it, so one can tell whether a backend would wait on data: a GPU
/// step at 350 images/s needs the loader to deliver more than that. Prints one JSON line.
/// </summary>
internal static class DataBench
{
    public static void Run(string[] args)
    {
        string data = "data/sample/train";
        int img = 224, views = 4, batch = 64, workers = Environment.ProcessorCount, batches = 20, warmup = 2;
        bool stages = false, floats = false;
        for (int i = 0; i < args.Length; i++)
        {
            string key = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"data: {key} needs a value");
            switch (key)
            {
                case "--data": data = Next(); break;
                case "--img": img = int.Parse(Next()); break;
                case "--views": views = int.Parse(Next()); break;
                case "--batch": batch = int.Parse(Next()); break;
                case "--workers": workers = int.Parse(Next()); break;
                case "--batches": batches = int.Parse(Next()); break;
                case "--warmup": warmup = int.Parse(Next()); break;
                case "--stages": stages = true; break;
                case "--floats": floats = true; break;   // float views (ToTensor + Normalize on the workers), as before 8-bit views
                default: throw new ArgumentException($"data: unknown option {key}");
            }
        }
        var folder = new ImageFolder(data, Console.Error.WriteLine);
        if (stages)
        {
            Stages(folder, img);
            return;
        }
        var crop = new DenseDinoMultiCrop(views, img) { PixelViews = !floats };
        using var loader = MultiCropDataset.DenseDino(folder, crop, seed: 0).CreateLoader(batch, workers, prefetch: 2, shuffle: true, dropLast: true);
        if (loader.BatchCount == 0) throw new ArgumentException($"data: {folder.Count} images in {data} make no batch of {batch}");
        var times = new List<double>();
        var sw = Stopwatch.StartNew();
        int seen = 0;
        for (int epoch = 0; seen < warmup + batches; epoch++)
            foreach (var _ in loader.Batches(epoch))
            {
                if (seen >= warmup) times.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                if (++seen >= warmup + batches) break;
            }
        double ms = times.Average();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            impl = "densedino.net data", data, images = folder.Count, img, views, batch, workers, view_format = floats ? "float" : "8-bit",
            ms_batch = Math.Round(ms, 1), images_s = Math.Round(batch / ms * 1e3, 1), views_s = Math.Round(batch * views / ms * 1e3, 1),
            images_s_per_worker = Math.Round(batch / ms * 1e3 / workers, 1),
        }));
    }

    /// <summary>
    /// Single-threaded milliseconds per view of each stage (every photometric op forced on; "hue" is one of
    /// colour jitter's four ops alone), over 100 images after an untimed pass over the same images that lets
    /// the tiered JIT finish (the loaders' workers run optimised code after their first few images).
    /// </summary>
    private static void Stages(ImageFolder folder, int img)
    {
        var t = new Dictionary<string, double>();
        void Time(string name, Action a) { var sw = Stopwatch.StartNew(); a(); t[name] = t.GetValueOrDefault(name) + sw.Elapsed.TotalMilliseconds; }
        var jitter = new ColorJitter(probability: 1.0);
        var gray = new RandomGrayscale(1.0);
        var blur = new GaussianBlur(1.0);
        var solar = new Solarization(1.0);
        int n = Math.Min(100, folder.Count);
        for (int pass = 0; pass < 2; pass++)
        {
            t.Clear();
            for (int i = 0; i < n; i++)
            {
                var rng = new SampleRng((ulong)i + 1);
                RgbImage image = null!, view = null!;
                Time("decode", () => image = ImageDecoder.Decode(folder.Entries[i].Path));
                Time("resize-crop", () => view = BicubicResampler.ResizeCrop(image, new CropBox(0, 0, image.Width, image.Height), img, img));
                Time("flip", () => HorizontalFlip.Apply(view));
                Time("color-jitter", () => jitter.Apply(view, rng));
                Time("hue", () => PilColor.AdjustHue(view, 0.07));
                Time("grayscale", () => gray.Apply(view, rng));
                Time("blur", () => blur.Apply(view, rng));
                Time("solarize", () => solar.Apply(view, rng));
                Time("to-chw", () => TensorConversion.ToChw(view, true));
            }
        }
        Console.WriteLine(JsonSerializer.Serialize(new { impl = "densedino.net data stages", img, images = n, ms_per_view = t.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / n, 3)) }));
    }
}
