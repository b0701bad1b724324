namespace DenseDino.Numerics;

/// <summary>Argument validation at the ops boundary; messages name the op, the argument and the shapes.</summary>
internal static class Check
{
    public static void Alive(string op, string arg, Tensor? t)
    {
        if (t is null) throw new ArgumentNullException(arg, $"{op}: {arg} is null");
        if (t.IsDisposed || t.Storage.IsReleased)
            throw new ObjectDisposedException(arg, $"{op}: {arg} {t.Shape}{(t.Name is null ? "" : $" '{t.Name}'")} was disposed");
    }

    public static void SameBackend(string op, Tensor a, Tensor b, string nameA = "a", string nameB = "b")
    {
        Alive(op, nameA, a);
        Alive(op, nameB, b);
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: {nameA} is on {a.Backend.Name}, {nameB} on {b.Backend.Name}");
    }

    public static void Rank(string op, string arg, Tensor t, int min, int max = int.MaxValue)
    {
        if (t.Rank < min || t.Rank > max)
            throw new ArgumentException(max == min
                ? $"{op}: {arg} must have rank {min}, got {t.Shape}"
                : $"{op}: {arg} must have rank {min}..{(max == int.MaxValue ? "n" : max.ToString())}, got {t.Shape}");
    }

    public static void ShapeEquals(string op, string arg, Tensor t, Shape expected)
    {
        if (t.Shape != expected) throw new ArgumentException($"{op}: {arg} has shape {t.Shape}, expected {expected}");
    }

    public static void Dim(string op, string argA, Shape a, int axisA, string argB, Shape b, int axisB)
    {
        if (a[axisA] != b[axisB])
            throw new ArgumentException($"{op}: {argA} {a}, {argB} {b}: {a[axisA]} != {b[axisB]}");
    }
}
