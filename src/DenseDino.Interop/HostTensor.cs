namespace DenseDino.Interop;

/// <summary>A named-file tensor on the host: row-major float32 data and its shape.</summary>
public sealed class HostTensor
{
    public HostTensor(int[] shape, float[] data)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"HostTensor: negative dim in shape {Format(shape)}");
            n = checked(n * d);
        }
        if (n != data.Length) throw new ArgumentException($"HostTensor: shape {Format(shape)} needs {n} values, got {data.Length}");
        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }
    public float[] Data { get; }
    public int Rank => Shape.Length;

    public static string Format(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
    public override string ToString() => Format(Shape);
}
