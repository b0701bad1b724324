using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace DenseDino.Interop;

/// <summary>
/// Writes a state dict as a torch.save zip (protocol-2 pickle of an OrderedDict of float32
/// tensors, one storage per tensor) that torch.load reads, and that <see cref="TorchCheckpointReader"/> reads back.
/// </summary>
public static class TorchCheckpointWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, HostTensor>> tensors, string archive = "archive")
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Write(file, tensors, archive);
    }

    public static void Write(Stream file, IEnumerable<KeyValuePair<string, HostTensor>> tensors, string archive = "archive")
    {
        var list = tensors.ToList();
        using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
        Entry(zip, archive + "/data.pkl", Pickle(list));
        for (int i = 0; i < list.Count; i++)
            Entry(zip, $"{archive}/data/{i}", MemoryMarshal.AsBytes(list[i].Value.Data.AsSpan()).ToArray());
        Entry(zip, archive + "/version", Encoding.ASCII.GetBytes("3\n"));
    }

    private static void Entry(ZipArchive zip, string name, byte[] data)
    {
        // torch writes its records uncompressed.
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(data);
    }

    private static byte[] Pickle(List<KeyValuePair<string, HostTensor>> tensors)
    {
        var p = new MemoryStream();
        void Op(byte b) => p.WriteByte(b);
        void Ascii(string s) => p.Write(Encoding.ASCII.GetBytes(s));
        void Str(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            Op((byte)'X');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
            p.Write(n);
            p.Write(b);
        }
        void Int(long v)
        {
            if (v is < int.MinValue or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(v), "TorchCheckpointWriter: value exceeds 32 bits");
            Op((byte)'J');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, (int)v);
            p.Write(n);
        }
        void Tuple(IEnumerable<long> values) { Op((byte)'('); foreach (var v in values) Int(v); Op((byte)'t'); }
        void EmptyOrderedDict() { Ascii("ccollections\nOrderedDict\n"); Op((byte)')'); Op((byte)'R'); }

        Op(0x80); Op(2);                                   // PROTO 2
        EmptyOrderedDict();
        Op((byte)'(');                                      // MARK for SETITEMS
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, t) = tensors[i];
            var stride = new long[t.Rank];
            for (int d = t.Rank - 1, s = 1; d >= 0; s *= t.Shape[d], d--) stride[d] = s;
            Str(name);
            Ascii("ctorch._utils\n_rebuild_tensor_v2\n");
            Op((byte)'(');
            Op((byte)'('); Str("storage"); Ascii("ctorch\nFloatStorage\n"); Str(i.ToString()); Str("cpu"); Int(t.Data.Length); Op((byte)'t');
            Op((byte)'Q');                                  // BINPERSID
            Int(0);
            Tuple(t.Shape.Select(x => (long)x));
            Tuple(stride);
            Op(0x89);                                       // requires_grad False
            EmptyOrderedDict();                             // backward hooks
            Op((byte)'t');
            Op((byte)'R');
        }
        Op((byte)'u');                                      // SETITEMS
        Op((byte)'.');
        return p.ToArray();
    }
}
