using System.Text.Json;

namespace DenseDino.Nn.Tests;

/// <summary>
/// tests/fixtures/model/step.{json,bin} from make_model_fixtures.py: one DenseDINO step of the
/// official modules, float64 results, float32-exact parameters and inputs.
/// </summary>
public sealed class ModelGolden
{
    private static readonly Lazy<ModelGolden> Shared = new(() => new ModelGolden(Path.Combine(AppContext.BaseDirectory, "fixtures", "model")));
    private readonly Dictionary<string, (int[] Shape, double[] Data)> tensors = new();

    private ModelGolden(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "step.json")));
        var root = doc.RootElement;
        if (root.GetProperty("format").GetString() != "densedino-model-golden" || root.GetProperty("version").GetInt32() != 1)
            throw new InvalidDataException("step.json: not a version 1 densedino-model-golden file; re-run tests/fixtures/make_model_fixtures.py");
        var bin = File.ReadAllBytes(Path.Combine(dir, "step.bin"));
        foreach (var t in root.GetProperty("tensors").EnumerateObject())
        {
            int[] shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            long offset = t.Value.GetProperty("offset").GetInt64();
            int n = shape.Aggregate(1, (a, b) => a * b);
            var data = new double[n];
            for (int i = 0; i < n; i++) data[i] = BitConverter.ToDouble(bin, checked((int)(offset + 8L * i)));
            tensors[t.Name] = (shape, data);
        }
        var c = root.GetProperty("config");
        Config = c.Clone();
        ParamOrder = root.GetProperty("param_order").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    public static ModelGolden Load() => Shared.Value;

    public JsonElement Config { get; }
    public string[] ParamOrder { get; }
    public int Int(string name) => Config.GetProperty(name).GetInt32();
    public IEnumerable<string> Names => tensors.Keys;

    public int[] Shape(string name) => Get(name).Shape;
    public double[] Data64(string name) => Get(name).Data;
    public float[] Data(string name) => Get(name).Data.Select(d => (float)d).ToArray();

    private (int[] Shape, double[] Data) Get(string name) =>
        tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"model golden: no tensor '{name}'");

    /// <summary>Parameters under a prefix ("" = all) with the prefix removed, as float32.</summary>
    public Dictionary<string, float[]> Params(string prefix = "") =>
        ParamOrder.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[prefix.Length..], n => Data("param." + n));

    public VitConfig VitConfig() => new(Int("img"), Int("patch"), Int("dim"), Int("depth"), Int("heads"));
}

internal static class Compare
{
    /// <summary>max |a − e| ≤ rel · max(|e|) + abs, with the worst index in the message.</summary>
    public static void Close(string label, double[] expected, float[] actual, double rel = 1e-4, double abs = 1e-6)
    {
        Assert.True(expected.Length == actual.Length, $"{label}: {actual.Length} values, expected {expected.Length}");
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= worst) || double.IsNaN(err)) { worst = err; at = i; }
        }
        Assert.True(worst <= rel * scale + abs,
            $"{label}: max abs err {worst:E3} at {at} (actual {(at >= 0 ? actual[at] : 0)}, expected {(at >= 0 ? expected[at] : 0)}), scale {scale:E3}");
    }
}
