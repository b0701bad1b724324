using System.IO.Compression;

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

    public static object? Read(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return ReadArchive(zip, path);
        }
        catch (Exception ex) when (ex is not InvalidDataException and not OutOfMemoryException and not FileNotFoundException
                                   and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            // The zip layer reports corruption with assorted exception types: give one, naming the file.
            throw new InvalidDataException($"torch checkpoint '{path}': corrupt archive ({ex.GetType().Name}: {ex.Message})", ex);
        }
        catch (InvalidDataException ex) when (!ex.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"torch checkpoint '{path}': not a readable zip archive ({ex.Message}); " +
                                           "the legacy (pre-1.6) torch.save format is not supported", ex);
        }
    }

    private static object? ReadArchive(ZipArchive zip, string path)
    {
        var pickles = zip.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1) throw new InvalidDataException($"torch checkpoint '{path}': expected one <archive>/data.pkl, found {pickles.Count}");
        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        var root = PickleReader.Load(ReadEntry(pickles[0], path), $"{path}:{pickles[0].FullName}");
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        return Materialize(root, zip, prefix, storages, path);
    }

    private static object? Materialize(object? v, ZipArchive zip, string prefix, Dictionary<string, byte[]> storages, string path)
    {
        switch (v)
        {
            case TorchTensorRef t:
                if (!storages.TryGetValue(t.Storage.Key, out var bytes))
                    storages[t.Storage.Key] = bytes = ReadStorage(zip, prefix, t.Storage, path);
                return TensorView.Gather(t, bytes, path);
            case PickleDict d:
                for (int i = 0; i < d.Items.Count; i++)
                    d.Items[i] = new(d.Items[i].Key, Materialize(d.Items[i].Value, zip, prefix, storages, path));
                return d;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) list[i] = Materialize(list[i], zip, prefix, storages, path);
                return list;
            case object?[] tuple:
                for (int i = 0; i < tuple.Length; i++) tuple[i] = Materialize(tuple[i], zip, prefix, storages, path);
                return tuple;
            case PickleObject o:
                o.State = Materialize(o.State, zip, prefix, storages, path);
                return o;
            default:
                return v;
        }
    }

    private static byte[] ReadStorage(ZipArchive zip, string prefix, TorchStorageRef s, string path)
    {
        var entry = zip.GetEntry(prefix + "data/" + s.Key)
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
        using var stream = entry.Open();
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer, done, buffer.Length - done);
            if (n <= 0) throw new InvalidDataException($"torch checkpoint '{path}': entry '{entry.FullName}' ends after {done} of {buffer.Length} bytes");
            done += n;
        }
        if (stream.ReadByte() >= 0) throw new InvalidDataException($"torch checkpoint '{path}': entry '{entry.FullName}' is longer than declared");
        return buffer;
    }
}
