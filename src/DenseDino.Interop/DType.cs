using System.Buffers.Binary;

namespace DenseDino.Interop;

/// <summary>Element types of safetensors / torch storages, all read as float32.</summary>
public enum DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool }

public static class DTypes
{
    /// <summary>Parses a safetensors dtype name; null when unknown.</summary>
    public static DType? FromSafeTensors(string? name) => name switch
    {
        "F32" => DType.F32, "F16" => DType.F16, "BF16" => DType.BF16, "F64" => DType.F64,
        "I64" => DType.I64, "I32" => DType.I32, "I16" => DType.I16, "I8" => DType.I8, "U8" => DType.U8, "BOOL" => DType.Bool,
        _ => null,
    };

    /// <summary>The torch storage class name (torch.FloatStorage …); null when unknown.</summary>
    public static DType? FromTorchStorage(string name) => name switch
    {
        "FloatStorage" => DType.F32, "HalfStorage" => DType.F16, "BFloat16Storage" => DType.BF16, "DoubleStorage" => DType.F64,
        "LongStorage" => DType.I64, "IntStorage" => DType.I32, "ShortStorage" => DType.I16, "CharStorage" => DType.I8,
        "ByteStorage" => DType.U8, "BoolStorage" => DType.Bool,
        _ => null,
    };

    public static int Size(DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    /// <summary>Little-endian element <paramref name="index"/> of <paramref name="bytes"/> as float32.</summary>
    public static float Read(DType t, ReadOnlySpan<byte> bytes, long index)
    {
        int s = Size(t);
        var b = bytes.Slice(checked((int)(index * s)), s);
        return t switch
        {
            DType.F32 => BinaryPrimitives.ReadSingleLittleEndian(b),
            DType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
            DType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
            DType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
            DType.I64 => BinaryPrimitives.ReadInt64LittleEndian(b),
            DType.I32 => BinaryPrimitives.ReadInt32LittleEndian(b),
            DType.I16 => BinaryPrimitives.ReadInt16LittleEndian(b),
            DType.I8 => (sbyte)b[0],
            DType.U8 => b[0],
            _ => b[0] != 0 ? 1f : 0f,
        };
    }

    /// <summary>Converts a whole little-endian buffer of <paramref name="count"/> elements.</summary>
    public static float[] ToFloat(DType t, ReadOnlySpan<byte> bytes, int count)
    {
        var result = new float[count];
        if (t == DType.F32 && BitConverter.IsLittleEndian)
            bytes[..(count * 4)].CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        else
            for (int i = 0; i < count; i++) result[i] = Read(t, bytes, i);
        return result;
    }
}
