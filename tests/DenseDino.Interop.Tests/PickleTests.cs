using System.Text;

namespace DenseDino.Interop.Tests;

public sealed class PickleTests
{
    private static byte[] P(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts)
        {
            if (p is string s) ms.Write(Encoding.ASCII.GetBytes(s));
            else if (p is byte[] b) ms.Write(b);
            else ms.WriteByte(Convert.ToByte(p));
        }
        return ms.ToArray();
    }

    [Fact]
    public void RejectsGlobalsOutsideTheWhitelist()
    {
        var data = P(0x80, 2, "cos\nsystem\n", "X", new byte[] { 2, 0, 0, 0 }, "ls", 0x85, "R.");
        var ex = Assert.Throws<InvalidDataException>(() => PickleReader.Load(data, "evil.pkl"));
        Assert.Contains("'os.system' is not allowed", ex.Message);
        Assert.Contains("evil.pkl", ex.Message);
    }

    [Fact]
    public void RejectsUnknownOpcodesAndBadStructure()
    {
        Assert.Contains("opcode 0x69", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "i"), "x")).Message);
        Assert.Contains("underflow", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "s."), "x")).Message);
        Assert.Contains("memo key 7", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "h", 7, "."), "x")).Message);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "X", new byte[] { 255, 255, 255, 127 }), "x")).Message);
        Assert.Contains("end of data", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "}"), "x")).Message);
        Assert.Contains("STOP with 1", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "(."), "x")).Message);
        Assert.Contains("STOP with 2", Assert.Throws<InvalidDataException>(() => PickleReader.Load(P(0x80, 2, "NN."), "x")).Message);
    }

    [Fact]
    public void ReadsScalarsAndContainers()
    {
        // {"a": [1, -2, 300, 70000, 1.5, None, True], "b": (2**40, "é")}
        var data = P(0x80, 2, "}q", 0, "(X", new byte[] { 1, 0, 0, 0 }, "a]q", 1, "(K", 1, "J", BitConverter.GetBytes(-2), "M", BitConverter.GetBytes((ushort)300),
            "J", BitConverter.GetBytes(70000), "G", new byte[] { 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 }, "N", 0x88, "e",
            "X", new byte[] { 1, 0, 0, 0 }, "b", 0x8a, 6, new byte[] { 0, 0, 0, 0, 0, 1 }, 0x8c, 2, new byte[] { 0xc3, 0xa9 }, 0x86, "u.");
        var d = Assert.IsType<PickleDict>(PickleReader.Load(data, "x"));
        Assert.Equal(new object?[] { 1L, -2L, 300L, 70000L, 1.5, null, true }, Assert.IsType<List<object?>>(d["a"]));
        Assert.Equal(new object?[] { 1L << 40, "é" }, Assert.IsType<object?[]>(d["b"]));
    }
}
