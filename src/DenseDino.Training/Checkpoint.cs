using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DenseDino.Numerics;

namespace DenseDino.Training;

/// <summary>
/// Our checkpoint file:
///   [0, 8)    magic "DDINOCKP"
///   [8, 12)   format version (uint32 LE, 1)
///   [12, 16)  reserved (0)
///   [16, 24)  metadata length L (int64 LE)
///   [24, 24+L) metadata, UTF-8 JSON (<see cref="CheckpointMetadata"/>)
///   [24+L, …) tensors, float32 LE, in metadata order, back to back; the file ends with the last one.
/// Written atomically (<see cref="AtomicFile"/>). Reading validates every length against the
/// file length before allocating anything.
/// </summary>
public static class Checkpoint
{
    public const string FormatName = "densedino-checkpoint";
    public const uint Version = 1;
    public static ReadOnlySpan<byte> Magic => "DDINOCKP"u8;
    private const int HeaderBytes = 24;
    private const long MaxMetadataBytes = 64L << 20;

    public static void Write(string path, CheckpointMetadata metadata, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoint: big-endian hosts are not supported");
        long offset = 0;
        metadata.Tensors = new List<CheckpointTensor>(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            metadata.Tensors.Add(new CheckpointTensor(name, t.Shape.ToArray(), offset));
            offset += 4 * t.Length;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, TrainingConfig.Json);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], json.Length);
            stream.Write(header);
            stream.Write(json);
            foreach (var (_, t) in tensors) stream.Write(MemoryMarshal.AsBytes(t.ToArray().AsSpan()));
        });
    }

    /// <summary>Opens a checkpoint and checks its structure; tensors are read on demand.</summary>
    public static CheckpointReader Open(string path) => new(path);
}

/// <summary>A validated checkpoint: metadata in memory, tensor data read from the file on demand.</summary>
public sealed class CheckpointReader
{
    private readonly Dictionary<string, CheckpointTensor> byName = new(StringComparer.Ordinal);
    private readonly long dataStart;

    internal CheckpointReader(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist", path);
        using var file = File.OpenRead(path);
        long length = file.Length;
        Span<byte> header = stackalloc byte[24];
        if (length < header.Length || file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header[..8].SequenceEqual(Checkpoint.Magic))
            throw new InvalidDataException($"'{path}' is not a DenseDino checkpoint (no DDINOCKP header)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != Checkpoint.Version)
            throw new InvalidDataException($"checkpoint '{path}' has format version {version}; this build reads version {Checkpoint.Version}");
        long jsonLength = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (jsonLength <= 0 || jsonLength > 64L << 20 || jsonLength > length - header.Length)
            throw new InvalidDataException($"checkpoint '{path}' is truncated or damaged: metadata length {jsonLength}, file length {length}");
        var json = new byte[jsonLength];
        file.ReadExactly(json);
        try
        {
            Metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, TrainingConfig.Json)
                ?? throw new InvalidDataException($"checkpoint '{path}': empty metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"checkpoint '{path}' is damaged: metadata is not valid JSON ({e.Message})", e);
        }
        if (Metadata.Format != Checkpoint.FormatName)
            throw new InvalidDataException($"'{path}' is not a DenseDino checkpoint (format '{Metadata.Format}')");

        dataStart = header.Length + jsonLength;
        long expected = 0;
        foreach (var t in Metadata.Tensors)
        {
            if (t.Shape.Any(d => d < 0) || t.Offset != expected || !byName.TryAdd(t.Name, t))
                throw new InvalidDataException($"checkpoint '{path}' is damaged: tensor '{t.Name}' has a bad shape, offset or a duplicate name");
            expected += 4 * t.Count;
        }
        long actual = length - dataStart;
        if (actual < expected)
            throw new InvalidDataException($"checkpoint '{path}' is truncated: tensors need {expected} bytes after the metadata, the file has {actual}");
        if (actual > expected)
            throw new InvalidDataException($"checkpoint '{path}' is damaged: {actual - expected} unexpected bytes after the last tensor");
    }

    public string Path { get; }
    public CheckpointMetadata Metadata { get; }
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>Reads one tensor into <paramref name="destination"/>, whose shape must match the stored one.</summary>
    public void ReadInto(string name, Tensor destination)
    {
        if (!byName.TryGetValue(name, out var entry))
            throw new InvalidDataException($"checkpoint '{Path}' has no tensor '{name}' (this model needs shape {destination.Shape}); was it written for another architecture?");
        if (!entry.Shape.AsSpan().SequenceEqual(destination.Shape.ToArray()))
            throw new InvalidDataException($"checkpoint '{Path}' was written for another architecture: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], this model needs {destination.Shape}");
        var data = new float[entry.Count];
        using var file = File.OpenRead(Path);
        file.Position = dataStart + entry.Offset;
        file.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        destination.CopyFrom(data);
    }
}
