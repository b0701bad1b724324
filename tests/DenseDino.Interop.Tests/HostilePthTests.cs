using System.Text;

namespace DenseDino.Interop.Tests;

/// <summary>Hand-made data.pkl files that a bounded reader must refuse cleanly.</summary>
public sealed class HostilePthTests
{
    private static string Pth(byte[] pickle, Dictionary<string, byte[]>? storages = null)
    {
        string path = Fixtures.TempFile("h.pth");
        var others = storages ?? new Dictionary<string, byte[]> { ["archive/version"] = "3\n"u8.ToArray() };
        if (!others.ContainsKey("archive/version")) others["archive/version"] = "3\n"u8.ToArray();
        FuzzTests.Repack(path, pickle, others.OrderBy(kv => kv.Key == "archive/version" ? 0 : 1).ToDictionary());
        return path;
    }

    private static byte[] Bytes(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts)
            if (p is string s) ms.Write(Encoding.ASCII.GetBytes(s));
            else if (p is byte[] b) ms.Write(b);
            else ms.WriteByte(Convert.ToByte(p));
        return ms.ToArray();
    }

    /// <summary>{"a": _rebuild_tensor_v2(storage(numel), 0, size, stride, False, None)}</summary>
    private static byte[] TensorPickle(long numel, long[] size, long[] stride)
    {
        static byte[] Long(long v) => Bytes(0x8a, 8, BitConverter.GetBytes(v));
        static byte[] Tup(long[] v) => [.. Bytes("("), .. v.SelectMany(Long), .. Bytes("t")];
        return Bytes(0x80, 2, "}(X", BitConverter.GetBytes(1), "a", "ctorch._utils\n_rebuild_tensor_v2\n(",
            "(X", BitConverter.GetBytes(7), "storage", "ctorch\nFloatStorage\n", "X", BitConverter.GetBytes(1), "0",
            "X", BitConverter.GetBytes(3), "cpu", Long(numel), "tQ", "K", 0, Tup(size), Tup(stride), 0x89, "NtRu.");
    }

    [Fact]
    public void HugeStorageClaimIsRefusedBeforeAllocating()
    {
        string path = Pth(TensorPickle(1L << 40, [1L << 20, 1L << 20], [1L << 20, 1]), new() { ["archive/data/0"] = new byte[16] });
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path));
        Assert.Contains("storage '0'", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void HugeShapeOnSmallStorageIsRefused()
    {
        string path = Pth(TensorPickle(4, [1L << 20, 1L << 20], [1L << 20, 1]), new() { ["archive/data/0"] = new byte[16] });
        Assert.Contains("too many elements", Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path)).Message);
        path = Pth(TensorPickle(4, [1L << 15, 1L << 15], [1L << 15, 1]), new() { ["archive/data/0"] = new byte[16] });
        Assert.Contains("reaches element", Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path)).Message);
    }

    [Fact]
    public void ValidHandMadeTensorReads()
    {
        var data = new byte[16];
        for (int i = 0; i < 4; i++) BitConverter.GetBytes(i + 0.5f).CopyTo(data, 4 * i);
        string path = Pth(TensorPickle(4, [2, 2], [1, 2]), new() { ["archive/data/0"] = data });
        var t = CheckpointFile.ReadStateDict(path)["a"];
        Assert.Equal([0.5f, 2.5f, 1.5f, 3.5f], t.Data);
    }

    [Fact]
    public void BigEndianArchivesAreRefused()
    {
        var data = new byte[16];
        string path = Pth(TensorPickle(4, [4], [1]), new() { ["archive/data/0"] = data, ["archive/byteorder"] = "big"u8.ToArray() });
        Assert.Contains("byteorder 'big'", Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path)).Message);
        path = Pth(TensorPickle(4, [4], [1]), new() { ["archive/data/0"] = data, ["archive/byteorder"] = "little"u8.ToArray() });
        Assert.Equal([4], CheckpointFile.ReadStateDict(path)["a"].Shape);
    }

    [Fact]
    public void EmptyTensorWithAnyOffsetReads()
    {
        string path = Pth(TensorPickle(0, [0, 3], [3, 1]), new() { ["archive/data/0"] = [] });
        Assert.Equal([0, 3], CheckpointFile.ReadStateDict(path)["a"].Shape);
    }

    [Fact]
    public void DeepNestingAndCyclesDoNotOverflow()
    {
        // {"a": [[[[…]]]]} 100k deep, built with EMPTY_LIST/APPEND (no recursion in the unpickler)
        var deep = new MemoryStream();
        deep.Write(Bytes(0x80, 2, "}X", BitConverter.GetBytes(1), "a"));
        for (int i = 0; i < 100_000; i++) deep.Write(Bytes("]"));
        for (int i = 0; i < 100_000 - 1; i++) deep.Write(Bytes("a"));
        deep.Write(Bytes("s."));
        string deepPath = Pth(deep.ToArray());
        Assert.Contains("nest deeper", Assert.Throws<InvalidDataException>(() => TorchCheckpointReader.Read(deepPath)).Message);
        // a state-dict read never walks the unselected parts
        Assert.Contains("none of the sections", Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(deepPath)).Message);

        // a list that contains itself: {"a": L, "t": tensor?} — no tensors, so not a state dict, but no hang
        var cycle = Bytes(0x80, 2, "}X", BitConverter.GetBytes(1), "a", "]q", 1, "h", 1, "as.");
        Assert.Contains("none of the sections", Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(Pth(cycle))).Message);
    }

    [Fact]
    public void NotAZipIsNamed()
    {
        string path = Fixtures.TempFile("legacy.pth");
        File.WriteAllBytes(path, [0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
        // not PK magic: taken as safetensors, which names the file
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path)).Message);
        File.WriteAllBytes(path, [(byte)'P', (byte)'K', 3, 4, 0, 0]);
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path));
        Assert.Contains("not a readable zip archive", ex.Message);
    }
}
