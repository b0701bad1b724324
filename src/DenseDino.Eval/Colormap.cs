namespace DenseDino.Eval;

/// <summary>Viridis (matplotlib), linearly interpolated between 9 anchors: perceptually ordered, colour-blind safe.</summary>
public static class Colormap
{
    private static readonly byte[,] Anchors =
    {
        { 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 }, { 33, 144, 141 },
        { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 }, { 253, 231, 37 },
    };

    /// <summary>RGB of t in [0, 1] (clamped; NaN → the lowest colour).</summary>
    public static (byte R, byte G, byte B) Viridis(double t)
    {
        if (double.IsNaN(t) || t < 0) t = 0;
        if (t > 1) t = 1;
        double x = t * (Anchors.GetLength(0) - 1);
        int i = Math.Min((int)x, Anchors.GetLength(0) - 2);
        double f = x - i;
        byte Mix(int c) => (byte)Math.Round(Anchors[i, c] + (Anchors[i + 1, c] - Anchors[i, c]) * f);
        return (Mix(0), Mix(1), Mix(2));
    }

    /// <summary>values [H·W] → RGB [H·W·3], min–max scaled (a constant map is all low colour).</summary>
    public static byte[] Apply(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
        float range = max - min;
        var rgb = new byte[values.Length * 3];
        for (int i = 0; i < values.Length; i++)
        {
            var (r, g, b) = Viridis(range > 0 ? (values[i] - min) / range : 0);
            rgb[3 * i] = r; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b;
        }
        return rgb;
    }
}
