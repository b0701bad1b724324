namespace DenseDino.Numerics;

/// <summary>
/// Index arithmetic every backend needs for strided and broadcast loops: broadcast strides and
/// merging of axes that two operands both walk contiguously (so kernels see few, long axes).
/// </summary>
public static class StrideLayout
{
    /// <summary>Strides (in elements) for reading <paramref name="source"/> broadcast to <paramref name="target"/>: 0 on broadcast axes.</summary>
    public static long[] BroadcastStrides(Shape target, Shape source)
    {
        var s = new long[target.Rank];
        long acc = 1;
        for (int i = target.Rank - 1; i >= 0; i--)
        {
            int si = i - (target.Rank - source.Rank);
            int dim = si >= 0 ? source[si] : 1;
            s[i] = dim == 1 ? 0 : acc;
            acc *= dim;
        }
        return s;
    }

    /// <summary>
    /// Drops size-1 axes and merges axis i into i−1 when both operands step through it
    /// contiguously. Returns no axes when the shape holds a single element, and keeps a 0-size
    /// axis (callers check <paramref name="shape"/>'s element count first).
    /// </summary>
    public static (List<long> Dims, List<long> StridesA, List<long> StridesB) Coalesce(ReadOnlySpan<int> shape, ReadOnlySpan<long> stridesA, ReadOnlySpan<long> stridesB)
    {
        var d = new List<long>();
        var sa = new List<long>();
        var sb = new List<long>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            int last = d.Count - 1;
            if (last >= 0 && sa[last] == stridesA[i] * shape[i] && sb[last] == stridesB[i] * shape[i])
            {
                d[last] *= shape[i];
                sa[last] = stridesA[i];
                sb[last] = stridesB[i];
            }
            else
            {
                d.Add(shape[i]);
                sa.Add(stridesA[i]);
                sb.Add(stridesB[i]);
            }
        }
        return (d, sa, sb);
    }
}
