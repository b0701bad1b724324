using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DenseDino.Interop;

/// <summary>Writes float32 safetensors files, in the given tensor order, header padded to 8 bytes as the official writer does.</summary>
public static class SafeTensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, HostTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Write(file, tensors, metadata);
    }

    public static void Write(Stream file, IEnumerable<KeyValuePair<string, HostTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        using var ms = new MemoryStream();
        using (var json = new Utf8JsonWriter(ms))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in list)
            {
                if (name == "__metadata__") throw new ArgumentException("SafeTensorsWriter: '__metadata__' is reserved");
                long bytes = 4L * t.Data.Length;
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int pad = (int)(-ms.Length & 7);
        for (int i = 0; i < pad; i++) ms.WriteByte((byte)' ');

        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)ms.Length);
        file.Write(len);
        ms.Position = 0;
        ms.CopyTo(file);
        foreach (var (_, t) in list)
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SafeTensorsWriter: big-endian host");
            file.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        }
    }
}
