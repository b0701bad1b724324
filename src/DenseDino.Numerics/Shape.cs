using System.Runtime.CompilerServices;

namespace DenseDino.Numerics;

/// <summary>An immutable tensor shape (row-major).</summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>
{
    public static Shape Create(ReadOnlySpan<int> dims) => new(dims.ToArray());
    public ReadOnlySpan<int>.Enumerator GetEnumerator() => Dims.GetEnumerator();

    private readonly int[]? dims;

    public Shape(params int[] dims)
    {
        foreach (int d in dims)
            if (d < 0) throw new ArgumentException($"Shape: negative dimension in [{string.Join(", ", dims)}]");
        this.dims = (int[])dims.Clone();
    }

    private Shape(int[] dims, bool _) => this.dims = dims;

    public int Rank => dims?.Length ?? 0;
    public int this[int axis] => Dims[axis];
    public int this[Index axis] => Dims[axis];
    /// <summary>Number of axes (for indexing from the end).</summary>
    public int Count => Rank;
    public ReadOnlySpan<int> Dims => dims ?? [];

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long Length
    {
        get
        {
            long n = 1;
            foreach (int d in Dims) n *= d;
            return n;
        }
    }

    public int[] ToArray() => Dims.ToArray();

    /// <summary>Row-major strides in elements.</summary>
    public long[] Strides()
    {
        var s = new long[Rank];
        long acc = 1;
        for (int i = Rank - 1; i >= 0; i--) { s[i] = acc; acc *= Dims[i]; }
        return s;
    }

    /// <summary>Normalises a possibly negative axis, naming the op on error.</summary>
    public int Axis(int axis, string op)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank) throw new ArgumentException($"{op}: axis {axis} is out of range for shape {this}");
        return a;
    }

    /// <summary>Product of dims in [from, to).</summary>
    public long Product(int from, int to)
    {
        long n = 1;
        for (int i = from; i < to; i++) n *= Dims[i];
        return n;
    }

    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[axis] = size;
        return new Shape(d, true);
    }

    public Shape Without(int axis)
    {
        var d = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++) if (i != axis) d[j++] = Dims[i];
        return new Shape(d, true);
    }

    /// <summary>The shape two operands broadcast to, numpy rules.</summary>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var d = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Rank) >= 0 ? a[i - (rank - a.Rank)] : 1;
            int db = i - (rank - b.Rank) >= 0 ? b[i - (rank - b.Rank)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast (axis {i}: {da} vs {db})");
            d[i] = da == 1 ? db : da;
        }
        return new Shape(d, true);
    }

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);
    public override string ToString() => "[" + string.Join(", ", dims ?? []) + "]";
    public static implicit operator Shape(int[] dims) => new(dims);
}
