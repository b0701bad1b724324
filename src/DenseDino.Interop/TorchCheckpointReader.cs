using System.IO.Compression;
using System.Text;

namespace DenseDino.Interop;

/// <summary>
/// Reads a PyTorch zip checkpoint (torch.save since 1.6): &lt;archive&gt;/data.pkl unpickled by the
/// bounded <see cref="PickleReader"/>, storages from &lt;archive&gt;/data/&lt;key&gt;. Returns the
/// pickled tree (PickleDict, List, object?[] tuples, string, long, double, bool, null,
/// PickleObject) with every tensor replaced by a float32 <see cref="HostTensor"/>.
/// </summary>
public static class TorchCheckpointReader
{
    /// <summary>Caps what one archive entry may claim before it is read (data.pkl and each storage).</summary>
    public const long MaxEntryBytes = int.MaxValue - 64;

    /// <summary>How deeply containers may nest: deeper is never a checkpoint, and would overflow the stack.</summary>
    public const int MaxDepth = 200;

    public static object? Read(string path) => Read(path, null);

    /// <summary>
    /// As <see cref="Read(string)"/>, but only the part <paramref name="select"/> picks from the
    /// raw tree (tensors still <see cref="TorchTensorRef"/>s) is materialised: taking the teacher
    /// of a training checkpoint does not decompress the student and the optimizer state.
    /// </summary>
    public static object? Read(string path, Func<object?, object?>? select)
    {
        using var zip = Zip(() => ZipFile.OpenRead(path), path);
        var pickles = Zip(() => zip.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList(), path);
        if (pickles.Count != 1) throw new InvalidDataException($"torch checkpoint '{path}': expected one <archive>/data.pkl, found {pickles.Count}");
        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        // Newer torch records the storages' byte order; only little-endian data is read.
        if (Zip(() => zip.GetEntry(prefix + "byteorder"), path) is { } order
            && Encoding.ASCII.GetString(ReadEntry(order, path)).Trim() is var bo && bo != "little")
            throw new InvalidDataException($"torch checkpoint '{path}': byteorder '{bo}' is not supported (little only)");
        var root = PickleReader.Load(ReadEntry(pickles[0], path), $"{path}:{pickles[0].FullName}");
        return new Materializer(zip, prefix, path).Run(select is null ? root : select(root), 0);
    }

    /// <summary>
    /// Runs a zip-layer call. System.IO.Compression reports corruption with assorted exception
    /// types; they become one InvalidDataException naming the file. Only zip calls are wrapped,
    /// so a bug in this reader still surfaces as itself.
    /// </summary>
    private static T Zip<T>(Func<T> f, string path)
    {
        try { return f(); }
        catch (Exception ex) when (ex is not OutOfMemoryException and not FileNotFoundException
                                   and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"torch checkpoint '{path}': not a readable zip archive ({ex.GetType().Name}: {ex.Message}); " +
                                           "the legacy (pre-1.6) torch.save format is not supported", ex);
        }
    }

    /// <summary>Replaces tensor references with data; each container is visited once (pickles may share or cycle).</summary>
    private sealed class Materializer(ZipArchive zip, string prefix, string path)
    {
        private readonly Dictionary<string, byte[]> storages = new(StringComparer.Ordinal);
        private readonly HashSet<object> visited = new(ReferenceEqualityComparer.Instance);

        public object? Run(object? v, int depth)
        {
            if (v is TorchTensorRef t)
            {
                if (!storages.TryGetValue(t.Storage.Key, out var bytes))
                    storages[t.Storage.Key] = bytes = ReadStorage(zip, prefix, t.Storage, path);
                return TensorView.Gather(t, bytes, path);
            }
            if (v is not (PickleDict or List<object?> or object?[] or PickleObject) || !visited.Add(v)) return v;
            if (depth > MaxDepth) throw new InvalidDataException($"torch checkpoint '{path}': containers nest deeper than {MaxDepth}");
            switch (v)
            {
                case PickleDict d:
                    for (int i = 0; i < d.Items.Count; i++) d.Items[i] = new(d.Items[i].Key, Run(d.Items[i].Value, depth + 1));
                    break;
                case List<object?> list:
                    for (int i = 0; i < list.Count; i++) list[i] = Run(list[i], depth + 1);
                    break;
                case object?[] tuple:
                    for (int i = 0; i < tuple.Length; i++) tuple[i] = Run(tuple[i], depth + 1);
                    break;
                case PickleObject o:
                    o.State = Run(o.State, depth + 1);
                    break;
            }
            return v;
        }
    }

    private static byte[] ReadStorage(ZipArchive zip, string prefix, TorchStorageRef s, string path)
    {
        var entry = Zip(() => zip.GetEntry(prefix + "data/" + s.Key), path)
            ?? throw new InvalidDataException($"torch checkpoint '{path}': storage '{s.Key}' is missing from the archive");
        long expected = s.Numel > MaxEntryBytes / DTypes.Size(s.Type) ? -1 : s.Numel * DTypes.Size(s.Type);
        if (expected < 0 || entry.Length != expected)
            throw new InvalidDataException($"torch checkpoint '{path}': storage '{s.Key}' holds {entry.Length} bytes, " +
                                           $"{s.Numel} {s.Type} elements need {(expected < 0 ? "too many" : expected.ToString())}");
        return ReadEntry(entry, path);
    }

    /// <summary>Reads exactly the entry's declared length (checked against the cap first, and against what the stream really gives).</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        if (entry.Length < 0 || entry.Length > MaxEntryBytes)
            throw new InvalidDataException($"torch checkpoint '{path}': entry '{entry.FullName}' claims {entry.Length} bytes");
        var buffer = new byte[entry.Length];
        using var stream = Zip(entry.Open, path);
        int done = 0;
        while (done < buffer.Length)
        {
            int n = Zip(() => stream.Read(buffer, done, buffer.Length - done), path);
            if (n <= 0) throw new InvalidDataException($"torch checkpoint '{path}': entry '{entry.FullName}' ends after {done} of {buffer.Length} bytes");
            done += n;
        }
        if (Zip(stream.ReadByte, path) >= 0) throw new InvalidDataException($"torch checkpoint '{path}': entry '{entry.FullName}' is longer than declared");
        return buffer;
    }
}
