using System.Text.Json;

namespace DenseDino.Training.Tests;

/// <summary>tests/fixtures/model/{name}.{json,bin} from make_model_fixtures.py: float64 tensors by name, C order.</summary>
internal sealed class Golden
{
    private readonly Dictionary<string, (int[] Shape, double[] Data)> tensors = new();

    public Golden(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "model");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json")));
        var root = doc.RootElement;
        if (root.GetProperty("version").GetInt32() != 1)
            throw new InvalidDataException($"{name}.json: not version 1; re-run tests/fixtures/make_model_fixtures.py");
        byte[] bin = File.ReadAllBytes(Path.Combine(dir, name + ".bin"));
        foreach (var t in root.GetProperty("tensors").EnumerateObject())
        {
            int[] shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int offset = t.Value.GetProperty("offset").GetInt32();
            var data = new double[shape.Aggregate(1, (x, y) => x * y)];
            Buffer.BlockCopy(bin, offset, data, 0, 8 * data.Length);
            tensors[t.Name] = (shape, data);
        }
        Root = root.Clone();
    }

    public JsonElement Root { get; }
    public IEnumerable<string> Names => tensors.Keys;
    public int Int(string key) => Root.GetProperty("config").GetProperty(key).GetInt32();
    public double Step(string key) => Root.GetProperty("step").GetProperty(key).GetDouble();
    public double[] Data64(string name) => tensors.TryGetValue(name, out var t) ? t.Data : throw new KeyNotFoundException($"golden: no tensor '{name}'");
    public float[] Data(string name) => Array.ConvertAll(Data64(name), x => (float)x);

    /// <summary>Tensors under a prefix, the prefix removed, as float32.</summary>
    public Dictionary<string, float[]> WithPrefix(string prefix) =>
        tensors.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n[prefix.Length..], Data);

    /// <summary>max |a − e| ≤ rel · max|e| + abs, naming the worst index.</summary>
    public static void Close(string label, double[] expected, float[] actual, double rel = 1e-4, double abs = 1e-6)
    {
        Assert.True(expected.Length == actual.Length, $"{label}: {actual.Length} values, expected {expected.Length}");
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs), worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= rel * scale + abs, $"{label}: max |diff| {worst:E3} at {at} (ours {(at >= 0 ? actual[at] : 0)}, official {(at >= 0 ? expected[at] : 0)}), limit {rel * scale + abs:E3}");
    }
}
