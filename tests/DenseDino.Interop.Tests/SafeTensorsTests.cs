using System.Buffers.Binary;
using System.Text;

namespace DenseDino.Interop.Tests;

public sealed class SafeTensorsTests
{
    [Fact]
    public void WriteThenReadRoundTrips()
    {
        string path = Fixtures.TempFile("rt.safetensors");
        var tensors = new Dictionary<string, HostTensor>
        {
            ["a.weight"] = new([2, 3], [1, -2, 3.5f, float.MaxValue, float.Epsilon, -0f]),
            ["scalar"] = new([], [42]),
            ["empty"] = new([0, 4], []),
            ["b"] = new([5], [1, 2, 3, 4, 5]),
        };
        SafeTensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
        var back = SafeTensorsReader.Read(path, out var meta);
        Assert.Equal(tensors.Keys, back.Keys);
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.Shape, back[k].Shape);
            Assert.Equal(t.Data, back[k].Data);
        }
        Assert.Equal("v", meta["k"]);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path).AsSpan(0, 8));
        Assert.Equal(0, headerLength % 8);   // aligned data, as the official writer pads
    }

    [Fact]
    public void ReadsThePythonWrittenFixture()
    {
        var e = SafeTensorsReader.Read(Fixtures.File("expected.safetensors"), out var meta);
        Assert.Equal([2, 3, 32, 32], e["input.square"].Shape);
        Assert.Equal([2, 17, 16], e["dino_vit.square"].Shape);
        Assert.Equal([1, 21, 16], e["dino_vit.wide"].Shape);
        Assert.Contains("make_interop_fixtures.py", meta["generator"]);
    }

    [Fact]
    public void ConvertsHalfBFloatAndDouble()
    {
        float[] values = [1f, -2.5f, 0.15625f, 1024f];
        var data = new MemoryStream();
        foreach (var v in values) data.Write(BitConverter.GetBytes((Half)v));
        foreach (var v in values) data.Write(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >> 16)));
        foreach (var v in values) data.Write(BitConverter.GetBytes((double)v));
        string header = """{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"bf":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]},"d":{"dtype":"F64","shape":[4],"data_offsets":[16,48]}}""";
        string path = Fixtures.TempFile("dtypes.safetensors");
        File.WriteAllBytes(path, Build(header, data.ToArray()));
        var t = SafeTensorsReader.Read(path);
        Assert.Equal(values, t["h"].Data);
        Assert.Equal(values, t["bf"].Data);   // all four are exact in bfloat16
        Assert.Equal([2, 2], t["bf"].Shape);
        Assert.Equal(values, t["d"].Data);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,8]}}""", "too many elements")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4000000000],"data_offsets":[0,8]}}""", "'a'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}""", "run past")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "needs 12")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "invalid data_offsets")]
    [InlineData("""{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}""", "unsupported dtype")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "shape dim")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", "not valid UTF-8 JSON")]
    [InlineData("""[1,2]""", "not an object")]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "unreadable string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "duplicate")]
    public void RejectsBadHeadersNamingFileAndTensor(string header, string expected)
    {
        string path = Fixtures.TempFile("bad.safetensors");
        File.WriteAllBytes(path, Build(header, new byte[8]));
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void RejectsHeaderLengthBeyondFile()
    {
        string path = Fixtures.TempFile("len.safetensors");
        var bytes = Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue - 3);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path));
        Assert.Contains("exceeds the file", ex.Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("shorter", Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path)).Message);
    }

    internal static byte[] Build(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var result = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)h.Length);
        h.CopyTo(result, 8);
        data.CopyTo(result, 8 + h.Length);
        return result;
    }
}
