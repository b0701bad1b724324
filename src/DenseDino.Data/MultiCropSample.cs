namespace DenseDino.Data;

/// <summary>
/// The views of one image and, for DenseDINO, its reference points (x, y) in [-1, 1]
/// (align_corners=False: -1 and 1 are the outer edges of the view; x negated where the view was flipped).
/// Layouts, flat and row-major:
///   Views[v]       [3, S_v, S_v] floats (or ViewPixels[v], [S_v, S_v, 3] bytes)
///   StudentPoints  [V, 2, M, 2]: view v's coordinates of the points it shares with global iq
///   TeacherPoints  [2, V, M, 2]: global iq's coordinates of the points it shares with view v
/// Self pairs (v == iq) are filled too and ignored by the loss.
/// </summary>
public sealed class MultiCropSample
{
    /// <summary>The views as floats, or empty where the crop made <see cref="ViewPixels"/> instead.</summary>
    public required float[][] Views { get; init; }
    /// <summary>
    /// The views as 8-bit RGB, [S_v, S_v, 3] bytes each, before ToTensor + Normalize (a crop with PixelViews set):
    /// a quarter of the bytes to send to a device, converted there (PixelPacking). Null for float views.
    /// </summary>
    public byte[][]? ViewPixels { get; init; }
    public required int[] ViewSizes { get; init; }
    public required CropBox[] Boxes { get; init; }
    public required bool[] Flipped { get; init; }
    public required int PointCount { get; init; }
    public required float[] StudentPoints { get; init; }
    public required float[] TeacherPoints { get; init; }
    public int Label { get; init; }

    public int ViewCount => ViewSizes.Length;

    public (float X, float Y) StudentPoint(int view, int global, int point)
    {
        int o = ((view * 2 + global) * PointCount + point) * 2;
        return (StudentPoints[o], StudentPoints[o + 1]);
    }

    public (float X, float Y) TeacherPoint(int global, int view, int point)
    {
        int o = ((global * ViewCount + view) * PointCount + point) * 2;
        return (TeacherPoints[o], TeacherPoints[o + 1]);
    }
}
