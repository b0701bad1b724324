namespace DenseDino.Data;

/// <summary>An integer pixel box in original-image coordinates: columns [X, X+W), rows [Y, Y+H).</summary>
public readonly record struct CropBox(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public long Area => (long)Width * Height;

    /// <summary>The overlap, or a zero-size box when the two do not overlap.</summary>
    public CropBox Intersect(CropBox other)
    {
        int x1 = Math.Max(X, other.X), y1 = Math.Max(Y, other.Y);
        int x2 = Math.Min(Right, other.Right), y2 = Math.Min(Bottom, other.Bottom);
        return new CropBox(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }
}
