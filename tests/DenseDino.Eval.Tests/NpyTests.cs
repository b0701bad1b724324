using System.Text;

namespace DenseDino.Eval.Tests;

public class NpyTests
{
    [Fact]
    public void RoundTripKeepsShapeAndValues()
    {
        string path = Path.Combine(TestUtil.TempDir(), "a.npy");
        float[] data = [1f, -2.5f, 3.25f, float.MaxValue, 0f, 1e-20f];
        NpyFile.Write(path, data, 2, 3);
        var back = NpyFile.Read(path);
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal(data, back.Data);

        byte[] bytes = File.ReadAllBytes(path);
        int headerLen = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLen) % 64);                       // numpy's alignment
        string header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLen + 24, bytes.Length);
    }

    [Fact]
    public void OneDimensionalShapeHasTrailingComma()
    {
        string path = Path.Combine(TestUtil.TempDir(), "v.npy");
        NpyFile.Write(path, [1f, 2f], 2);
        Assert.Contains("'shape': (2,)", File.ReadAllText(path));
        Assert.Equal([2], NpyFile.Read(path).Shape);
    }

    [Fact]
    public void WriteRejectsShapeMismatch() =>
        Assert.Throws<ArgumentException>(() => NpyFile.Write(Path.Combine(TestUtil.TempDir(), "x.npy"), [1f, 2f, 3f], 2, 2));

    [Theory]
    [InlineData("'<f8'", "float32")]
    [InlineData("'>f4'", "float32")]
    public void ReadRejectsOtherDtypes(string descr, string expected)
    {
        string path = Forge($"{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}", 8);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => NpyFile.Read(path)).Message);
    }

    [Fact]
    public void ReadRejectsFortranOrderBadMagicAndWrongLength()
    {
        string fortran = Forge("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
        Assert.Contains("fortran", Assert.Throws<InvalidDataException>(() => NpyFile.Read(fortran)).Message);
        string shortData = Forge("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12);
        Assert.Contains("data bytes", Assert.Throws<InvalidDataException>(() => NpyFile.Read(shortData)).Message);
        string noShape = Forge("{'descr': '<f4', 'fortran_order': False, }", 4);
        Assert.Contains("shape", Assert.Throws<InvalidDataException>(() => NpyFile.Read(noShape)).Message);
        string bad = Path.Combine(TestUtil.TempDir(), "bad.npy");
        File.WriteAllBytes(bad, Encoding.ASCII.GetBytes("PK\u0003\u0004 not numpy at all"));
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => NpyFile.Read(bad)).Message);
    }

    private static string Forge(string dict, int dataBytes)
    {
        string path = Path.Combine(TestUtil.TempDir(), "f.npy");
        string header = dict + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }
}
