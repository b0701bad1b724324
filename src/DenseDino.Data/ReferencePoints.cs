namespace DenseDino.Data;

/// <summary>How reference points are placed in a pair's intersection box (the released code's --sampling_mode).</summary>
public enum ReferenceSampling
{
    /// <summary>M points uniform in the box, fresh per (global, view) pair.</summary>
    Random,
    /// <summary>k x k cell centres; the released code passes k as --num_reference and uses k*k points.</summary>
    Grid,
}

/// <summary>
/// Samples the points each (global iq, view v) pair shares and writes both views' coordinates.
/// As in the released code one relative position r in [0, 1]^2 per point is used for both sides,
/// so teacher[iq][v][m] and student[v][iq][m] are the same physical point.
/// </summary>
public static class ReferencePoints
{
    public static int PointCount(ReferenceSampling mode, int numReference) =>
        mode == ReferenceSampling.Grid ? numReference * numReference : numReference;

    public static (float[] Student, float[] Teacher) Sample(
        CropBox[] boxes, bool[] flipped, ReferenceSampling mode, int numReference, SampleRng rng)
    {
        int v = boxes.Length;
        int m = PointCount(mode, numReference);
        var student = new float[v * 2 * m * 2];
        var teacher = new float[2 * v * m * 2];
        for (int iq = 0; iq < 2; iq++)
        {
            for (int view = 0; view < v; view++)
            {
                CropBox inter = boxes[iq].Intersect(boxes[view]);
                if (inter.Area == 0)
                    throw new InvalidOperationException($"ReferencePoints: global {iq} {boxes[iq]} and view {view} {boxes[view]} do not overlap");
                for (int p = 0; p < m; p++)
                {
                    double rx, ry;
                    if (mode == ReferenceSampling.Grid)
                    {
                        // torch.meshgrid(x, y) with 'ij' indexing, flattened: x is the slow index.
                        rx = (2 * (p / numReference) + 1) / (2.0 * numReference);
                        ry = (2 * (p % numReference) + 1) / (2.0 * numReference);
                    }
                    else
                    {
                        rx = rng.NextDouble();
                        ry = rng.NextDouble();
                    }
                    // Continuous original-image coordinates; pixel i covers [i, i+1).
                    double px = inter.X + rx * inter.Width;
                    double py = inter.Y + ry * inter.Height;
                    int t = ((iq * v + view) * m + p) * 2;
                    (teacher[t], teacher[t + 1]) = ToView(px, py, boxes[iq], flipped[iq]);
                    int s = ((view * 2 + iq) * m + p) * 2;
                    (student[s], student[s + 1]) = ToView(px, py, boxes[view], flipped[view]);
                }
            }
        }
        return (student, teacher);
    }

    /// <summary>Original-image point to a view's [-1, 1] coordinates: 2 (X - x1) / (x2 - x1) - 1, x negated when flipped.</summary>
    public static (float X, float Y) ToView(double px, double py, CropBox box, bool flipped)
    {
        double x = 2 * (px - box.X) / box.Width - 1;
        double y = 2 * (py - box.Y) / box.Height - 1;
        return ((float)(flipped ? -x : x), (float)y);
    }
}
