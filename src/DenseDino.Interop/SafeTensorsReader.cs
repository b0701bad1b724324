using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace DenseDino.Interop;

/// <summary>
/// Reads safetensors files (8-byte LE header length, JSON header, raw little-endian data).
/// The whole header is validated — lengths, offsets, overlaps, byte counts — before any tensor
/// is allocated, so a corrupt or hostile file fails with an InvalidDataException naming the file
/// and tensor instead of an OutOfMemory or a wrong read.
/// </summary>
public static class SafeTensorsReader
{
    /// <summary>The official implementation's header cap (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private sealed record Entry(string Name, DType Type, int[] Shape, long Count, long Begin, long End);

    /// <summary>Every tensor as float32 (F16/BF16/F64/integers converted), in header order.</summary>
    public static Dictionary<string, HostTensor> Read(string path) => Read(path, out _);

    public static Dictionary<string, HostTensor> Read(string path, out Dictionary<string, string> metadata)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = RandomAccess.GetLength(handle);
        var (entries, meta, dataStart) = ReadHeader(handle, fileLength, path);
        metadata = meta;
        var result = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var bytes = new byte[e.End - e.Begin];
            ReadExactly(handle, bytes, dataStart + e.Begin, path, e.Name);
            result[e.Name] = new HostTensor(e.Shape, DTypes.ToFloat(e.Type, bytes, (int)e.Count));
        }
        return result;
    }

    /// <summary>The header's __metadata__ strings alone (no tensor data is read).</summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(handle, RandomAccess.GetLength(handle), path).Item2;
    }

    private static (List<Entry>, Dictionary<string, string>, long) ReadHeader(SafeFileHandle handle, long fileLength, string path)
    {
        if (fileLength < 8) throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        var lengthBytes = new byte[8];
        ReadExactly(handle, lengthBytes, 0, path, null);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
            throw Bad(path, $"header length {headerLength} exceeds the file ({fileLength} bytes) or the {MaxHeaderBytes}-byte cap");
        var header = new byte[headerLength];
        ReadExactly(handle, header, 8, path, null);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;

        JsonDocument doc;
        try
        {
            _ = StrictUtf8.GetCharCount(header);   // System.Text.Json checks string bytes only when they are read
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (Exception ex) when (ex is JsonException or System.Text.DecoderFallbackException)
        {
            throw Bad(path, $"header is not valid UTF-8 JSON: {ex.Message}");
        }
        try
        {
            using (doc) return ParseHeader(doc, dataStart, dataLength, path);
        }
        catch (InvalidOperationException ex)   // e.g. an escaped lone surrogate in a name
        {
            throw Bad(path, $"header holds an unreadable string: {ex.Message}");
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);

    private static (List<Entry>, Dictionary<string, string>, long) ParseHeader(JsonDocument doc, long dataStart, long dataLength, string path)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header JSON is not an object");
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Bad(path, $"duplicate entry '{p.Name}'");
            if (p.Name == "__metadata__") ReadMetadata(p.Value, metadata, path);
            else entries.Add(ParseEntry(p.Name, p.Value, dataLength, path));
        }
        CheckNoOverlap(entries, path);
        return (entries, metadata, dataStart);
    }

    private static void ReadMetadata(JsonElement m, Dictionary<string, string> metadata, string path)
    {
        if (m.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
        foreach (var kv in m.EnumerateObject())
        {
            if (kv.Value.ValueKind != JsonValueKind.String) throw Bad(path, $"__metadata__ '{kv.Name}' is not a string");
            metadata[kv.Name] = kv.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string name, JsonElement e, long dataLength, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Bad(path, $"tensor '{name}': entry is not an object");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}': missing dtype");
        var type = DTypes.FromSafeTensors(dt.GetString())
            ?? throw Bad(path, $"tensor '{name}': unsupported dtype '{dt.GetString()}'");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}': missing shape");
        var shape = new List<int>();
        long count = 1;
        bool empty = false, tooBig = false;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0 || v > int.MaxValue)
                throw Bad(path, $"tensor '{name}': shape dim {d} is not a non-negative 32-bit integer");
            shape.Add((int)v);
            if (v == 0) empty = true;
            else if (!tooBig && count > Array.MaxLength / v) tooBig = true;  // never overflow a long
            else if (!tooBig) count *= v;
        }
        if (empty) count = 0;
        else if (tooBig) throw Bad(path, $"tensor '{name}': shape {HostTensor.Format(shape)} has too many elements");
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}': data_offsets must be [begin, end]");
        if (off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number || !off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad(path, $"tensor '{name}': invalid data_offsets [{off[0]}, {off[1]}]");
        if (end > dataLength)
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] run past the {dataLength} data bytes");
        long expected = count * DTypes.Size(type);
        if (expected > Array.MaxLength) throw Bad(path, $"tensor '{name}': {type} {HostTensor.Format(shape)} is over 2 GB, more than one array holds");
        if (end - begin != expected)
            throw Bad(path, $"tensor '{name}': {end - begin} data bytes, but {type} {HostTensor.Format(shape)} needs {expected}");
        return new Entry(name, type, shape.ToArray(), count, begin, end);
    }

    private static void CheckNoOverlap(List<Entry> entries, string path)
    {
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw Bad(path, $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap");
    }

    private static void ReadExactly(SafeFileHandle handle, byte[] buffer, long offset, string path, string? tensor)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (n <= 0) throw Bad(path, (tensor is null ? "" : $"tensor '{tensor}': ") + "unexpected end of file");
            done += n;
        }
    }

    private static InvalidDataException Bad(string path, string message) => new($"safetensors '{path}': {message}");
}
