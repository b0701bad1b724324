using System.Collections.Concurrent;
using System.Text.Json;

namespace DenseDino.Numerics.Tests.Golden;

/// <summary>One tensor of a golden case: row-major data, as float32 (what the engine sees) and float64 (as written).</summary>
public sealed class GoldenTensor
{
    public GoldenTensor(int[] shape, double[] data64)
    {
        Shape = shape;
        Data64 = data64;
        Data = new float[data64.Length];
        for (int i = 0; i < data64.Length; i++) Data[i] = (float)data64[i];
    }

    public int[] Shape { get; }

    /// <summary>The values rounded to float32. For inputs this is exact (the generator rounds inputs to float32).</summary>
    public float[] Data { get; }

    /// <summary>The values as written (float64 reference results for outputs and grads).</summary>
    public double[] Data64 { get; }

    public int Rank => Shape.Length;

    /// <summary>Product of the shape (1 for a rank-0 tensor, 0 when any dim is 0).</summary>
    public long ShapeLength
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }

    public override string ToString() => $"[{string.Join(", ", Shape)}] ({Data64.Length} values)";
}

/// <summary>One golden case: op, params, inputs, reference outputs, upstream weights and reference grads.</summary>
public sealed class GoldenCase
{
    internal GoldenCase(string group, string name, string op, JsonElement @params,
        IReadOnlyDictionary<string, GoldenTensor> inputs, IReadOnlyDictionary<string, GoldenTensor> outputs,
        IReadOnlyDictionary<string, GoldenTensor> upstream, IReadOnlyDictionary<string, GoldenTensor> grads)
    {
        Group = group;
        Name = name;
        Op = op;
        Params = @params;
        Inputs = inputs;
        Outputs = outputs;
        Upstream = upstream;
        Grads = grads;
    }

    public string Group { get; }
    public string Name { get; }
    public string Op { get; }

    /// <summary>The case's "params" object (an empty object when the op has none).</summary>
    public JsonElement Params { get; }

    public IReadOnlyDictionary<string, GoldenTensor> Inputs { get; }
    public IReadOnlyDictionary<string, GoldenTensor> Outputs { get; }

    /// <summary>Upstream weights w (loss = sum(out * w)); empty when the case has no grads.</summary>
    public IReadOnlyDictionary<string, GoldenTensor> Upstream { get; }

    /// <summary>d loss / d input for each differentiable input.</summary>
    public IReadOnlyDictionary<string, GoldenTensor> Grads { get; }

    public bool HasParam(string name) =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement Param(string name) =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty(name, out var v)
            ? v
            : throw new KeyNotFoundException($"golden case {Group}/{Name}: no param '{name}'");

    public int ParamInt(string name) => Param(name).GetInt32();
    public double ParamDouble(string name) => Param(name).GetDouble();
    public bool ParamBool(string name) => Param(name).GetBoolean();
    public int[] ParamInts(string name) => Param(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
    public double[] ParamDoubles(string name) => Param(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A 2-D boolean param (e.g. the attention mask, true = blocked), or null when absent or null.</summary>
    public bool[][]? ParamBoolMatrix(string name) =>
        HasParam(name)
            ? Param(name).EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetBoolean()).ToArray()).ToArray()
            : null;

    public override string ToString() => $"{Group}/{Name}";
}

/// <summary>
/// Reader for the PyTorch golden fixtures written by tests/fixtures/make_fixtures.py
/// (tests/fixtures/ops/&lt;group&gt;.json, format "densedino-op-goldens" version 1).
/// </summary>
public sealed class GoldenFile
{
    public const string Format = "densedino-op-goldens";
    public const int Version = 1;

    /// <summary>Every group the generator writes.</summary>
    public static readonly IReadOnlyList<string> Groups =
    [
        "matmul", "elementwise", "reduce", "movement", "norm", "attention",
        "loss", "patch_embed", "grid_sample", "interpolate", "optim",
    ];

    private static readonly ConcurrentDictionary<string, GoldenFile> Cache = new();
    private static readonly JsonElement EmptyParams = ParseEmpty();

    private static JsonElement ParseEmpty()
    {
        using var doc = JsonDocument.Parse("{}");
        return doc.RootElement.Clone();
    }

    private readonly Dictionary<string, GoldenCase> _byName;

    private GoldenFile(string group, string path, string torch, IReadOnlyList<GoldenCase> cases)
    {
        Group = group;
        Path = path;
        Torch = torch;
        AllCases = cases;
        _byName = new Dictionary<string, GoldenCase>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            if (!_byName.TryAdd(c.Name, c))
                throw new InvalidDataException($"{path}: duplicate case name '{c.Name}'");
        }
    }

    public string Group { get; }
    public string Path { get; }

    /// <summary>torch.__version__ of the generator run.</summary>
    public string Torch { get; }

    public IReadOnlyList<GoldenCase> AllCases { get; }

    public GoldenCase this[string name] =>
        _byName.TryGetValue(name, out var c)
            ? c
            : throw new KeyNotFoundException($"{Path}: no golden case named '{name}'");

    public static string PathOf(string group) =>
        System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "ops", group + ".json");

    /// <summary>Loads (once, then cached) tests/fixtures/ops/&lt;group&gt;.json from the test output folder.</summary>
    public static GoldenFile Load(string group) => Cache.GetOrAdd(group, static g => Parse(g, PathOf(g)));

    /// <summary>One case by group and name.</summary>
    public static GoldenCase Case(string group, string name) => Load(group)[name];

    /// <summary>Case names of <paramref name="op"/> in <paramref name="group"/> (all ops when null), for [MemberData].</summary>
    public static TheoryData<string> Cases(string group, string? op = null)
    {
        var data = new TheoryData<string>();
        foreach (var c in Load(group).AllCases)
        {
            if (op is null || c.Op == op) data.Add(c.Name);
        }
        if (data.Count == 0)
            throw new InvalidOperationException($"{PathOf(group)}: no golden cases for op '{op}'");
        return data;
    }

    private static GoldenFile Parse(string group, string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"golden fixture '{group}' not found at {path}; regenerate with /usr/bin/python3 tests/fixtures/make_fixtures.py", path);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        string format = GetString(root, "format", path);
        if (format != Format)
            throw new InvalidDataException($"{path}: format is '{format}', expected '{Format}'");
        if (!root.TryGetProperty("version", out var ver) || ver.ValueKind != JsonValueKind.Number)
            throw new InvalidDataException($"{path}: missing 'version'");
        if (ver.GetInt32() != Version)
            throw new InvalidDataException($"{path}: fixture version {ver.GetInt32()} is not supported (reader supports {Version}); regenerate the fixtures or update GoldenFile");
        string fileGroup = GetString(root, "group", path);
        if (fileGroup != group)
            throw new InvalidDataException($"{path}: file says group '{fileGroup}', expected '{group}'");
        string torch = root.TryGetProperty("torch", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "?";

        if (!root.TryGetProperty("cases", out var casesEl) || casesEl.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: missing 'cases' array");

        var cases = new List<GoldenCase>();
        foreach (var c in casesEl.EnumerateArray())
        {
            string name = GetString(c, "name", path);
            string where = $"{path} case '{name}'";
            string op = GetString(c, "op", where);
            var prms = c.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
                ? p.Clone()
                : EmptyParams;
            cases.Add(new GoldenCase(group, name, op, prms,
                Tensors(c, "inputs", where), Tensors(c, "outputs", where),
                Tensors(c, "upstream", where), Tensors(c, "grads", where)));
        }
        return new GoldenFile(group, path, torch, cases);
    }

    private static string GetString(JsonElement obj, string prop, string where) =>
        obj.TryGetProperty(prop, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{where}: missing string '{prop}'");

    private static IReadOnlyDictionary<string, GoldenTensor> Tensors(JsonElement c, string prop, string where)
    {
        var dict = new Dictionary<string, GoldenTensor>(StringComparer.Ordinal);
        if (!c.TryGetProperty(prop, out var obj) || obj.ValueKind == JsonValueKind.Null) return dict;
        if (obj.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: '{prop}' is not an object");
        foreach (var kv in obj.EnumerateObject())
        {
            var tw = $"{where} {prop}.{kv.Name}";
            if (!kv.Value.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{tw}: missing 'shape'");
            if (!kv.Value.TryGetProperty("data", out var dataEl) || dataEl.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{tw}: missing 'data'");
            var shape = shapeEl.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = new double[dataEl.GetArrayLength()];
            int i = 0;
            foreach (var e in dataEl.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Number)
                    throw new InvalidDataException($"{tw}: data[{i}] is not a number");
                data[i++] = e.GetDouble();
            }
            dict.Add(kv.Name, new GoldenTensor(shape, data));
        }
        return dict;
    }
}
