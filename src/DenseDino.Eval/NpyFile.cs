using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DenseDino.Eval;

/// <summary>A float32 array read from an .npy file, C order.</summary>
public sealed record NpyArray(float[] Data, int[] Shape);

/// <summary>
/// NumPy .npy (format 1.0 on write; 1.0-3.0 on read) for float32, little endian, C order only,
/// so numpy.load reads our features and we read numpy's without a Python dependency.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, ReadOnlySpan<float> data, params int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"NpyFile: negative dimension in shape ({string.Join(", ", shape)})");
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"NpyFile: shape ({string.Join(", ", shape)}) holds {count} values, data has {data.Length}");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Header (magic 6 + version 2 + length 2 + dict + '\n') is padded with spaces to a multiple of 64.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";

        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[4 * 65536];
        for (int i = 0; i < data.Length; i += 65536)
        {
            int n = Math.Min(65536, data.Length - i);
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * j), data[i + j]);
            stream.Write(bytes, 0, 4 * n);
        }
    }

    public static NpyArray Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an .npy file (bad magic)");
        int major = bytes[6];
        int headerLen, start;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new InvalidDataException($"{path}: truncated .npy header");
            headerLen = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
            start = 12;
        }
        else throw new InvalidDataException($"{path}: unsupported .npy version {major}.{bytes[7]}");
        if (start + headerLen > bytes.Length) throw new InvalidDataException($"{path}: truncated .npy header");
        string header = Encoding.ASCII.GetString(bytes, start, headerLen);

        string descr = Field(path, header, DescrRegex());
        if (descr != "<f4") throw new InvalidDataException($"{path}: dtype '{descr}' is not float32 little endian ('<f4')");
        if (Field(path, header, FortranRegex()) != "False")
            throw new InvalidDataException($"{path}: fortran_order arrays are not supported");
        string dimsText = Field(path, header, ShapeRegex());
        int[] shape = dimsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int d)
                ? d : throw new InvalidDataException($"{path}: bad shape entry '{s}'"))
            .ToArray();
        long count = 1;
        foreach (int d in shape) count *= d;
        int dataStart = start + headerLen;
        if (bytes.Length - dataStart != count * 4)
            throw new InvalidDataException($"{path}: shape ({dimsText}) needs {count * 4} data bytes, file has {bytes.Length - dataStart}");
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (int)(4 * i)));
        return new NpyArray(data, shape);
    }

    private static string Field(string path, string header, Regex regex)
    {
        var m = regex.Match(header);
        if (!m.Success) throw new InvalidDataException($"{path}: .npy header lacks {regex} ({header.Trim()})");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")] private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")] private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")] private static partial Regex ShapeRegex();
}
