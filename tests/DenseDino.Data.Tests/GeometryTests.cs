using DenseDino.Data;

namespace DenseDino.Data.Tests;

public class GeometryTests
{
    private const int Width = 200, Height = 180, Size = 64;

    // Bilinear sample of a [3, S, S] view at (x, y) in [-1, 1], align_corners=False; returns the decoded
    // original-image coordinate (pixel value v encodes the pixel covering [v, v+1), so its centre is v + 0.5).
    private static (double X, double Y) Decode(float[] chw, int size, float x, float y)
    {
        double px = ((x + 1) * size - 1) / 2, py = ((y + 1) * size - 1) / 2;
        px = Math.Clamp(px, 0, size - 1);
        py = Math.Clamp(py, 0, size - 1);
        int x0 = Math.Min((int)px, size - 2), y0 = Math.Min((int)py, size - 2);
        double fx = px - x0, fy = py - y0;
        double Sample(int c) =>
            (1 - fy) * ((1 - fx) * chw[c * size * size + y0 * size + x0] + fx * chw[c * size * size + y0 * size + x0 + 1]) +
            fy * ((1 - fx) * chw[c * size * size + (y0 + 1) * size + x0] + fx * chw[c * size * size + (y0 + 1) * size + x0 + 1]);
        return (Sample(0) * 255 + 0.5, Sample(1) * 255 + 0.5);
    }

    private static double Error(double ax, double ay, double bx, double by) => Math.Max(Math.Abs(ax - bx), Math.Abs(ay - by));

    [Theory]
    [InlineData(ReferenceSampling.Random, 4)]
    [InlineData(ReferenceSampling.Grid, 3)]
    public void ReferencePointsHitTheSamePixelInBothViews(ReferenceSampling mode, int numReference)
    {
        RgbImage image = TestData.CoordinateImage(Width, Height);
        var crop = new DenseDinoMultiCrop(viewCount: 4, size: Size, minScale: 0.25, numReference: numReference, sampling: mode,
            pipeline: new ViewPipeline { Photometric = false, Normalize = false });
        int flips = 0;
        double worst = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            MultiCropSample s = crop.Apply(image, SampleRng.ForSample(seed, 1, 2));
            flips += s.Flipped.Count(f => f);
            for (int iq = 0; iq < 2; iq++)
                for (int v = 0; v < s.ViewCount; v++)
                    for (int m = 0; m < s.PointCount; m++)
                    {
                        var (tx, ty) = s.TeacherPoint(iq, v, m);
                        var (sx, sy) = s.StudentPoint(v, iq, m);
                        Assert.InRange(tx, -1f, 1f); Assert.InRange(ty, -1f, 1f);
                        Assert.InRange(sx, -1f, 1f); Assert.InRange(sy, -1f, 1f);
                        var (teacherX, teacherY) = Decode(s.Views[iq], Size, tx, ty);
                        var (studentX, studentY) = Decode(s.Views[v], Size, sx, sy);
                        // The point itself in original coordinates, from the student view's box.
                        CropBox box = s.Boxes[v];
                        double ux = s.Flipped[v] ? -sx : sx;
                        double ox = box.X + (ux + 1) / 2 * box.Width, oy = box.Y + (sy + 1) / 2 * box.Height;
                        worst = Math.Max(worst, Error(teacherX, teacherY, studentX, studentY));
                        worst = Math.Max(worst, Error(teacherX, teacherY, ox, oy));
                        worst = Math.Max(worst, Error(studentX, studentY, ox, oy));
                        Assert.True(Error(teacherX, teacherY, studentX, studentY) < 2.0,
                            $"seed {seed} iq {iq} v {v} m {m}: teacher ({teacherX:F2}, {teacherY:F2}) vs student ({studentX:F2}, {studentY:F2})");
                        Assert.True(Error(studentX, studentY, ox, oy) < 2.0,
                            $"seed {seed} v {v} m {m}: view ({studentX:F2}, {studentY:F2}) vs point ({ox:F2}, {oy:F2})");
                    }
        }
        Assert.InRange(flips, 20, 140); // both flipped and unflipped views were exercised
        Assert.True(worst > 0);
    }

    [Fact]
    public void TeacherAndStudentPointsOfAPairAreOnePhysicalPoint()
    {
        var crop = new DenseDinoMultiCrop(viewCount: 5, size: 16, numReference: 3);
        MultiCropSample s = crop.Apply(TestData.RandomImage(120, 90, 1), new SampleRng(11));
        Assert.Equal(5 * 2 * 3 * 2, s.StudentPoints.Length);
        Assert.Equal(2 * 5 * 3 * 2, s.TeacherPoints.Length);
        for (int iq = 0; iq < 2; iq++)
            for (int v = 0; v < 5; v++)
                for (int m = 0; m < 3; m++)
                {
                    var (tx, ty) = s.TeacherPoint(iq, v, m);
                    var (sx, sy) = s.StudentPoint(v, iq, m);
                    CropBox tb = s.Boxes[iq], sb = s.Boxes[v];
                    double tX = tb.X + ((s.Flipped[iq] ? -tx : tx) + 1) / 2 * tb.Width;
                    double sX = sb.X + ((s.Flipped[v] ? -sx : sx) + 1) / 2 * sb.Width;
                    Assert.Equal(tX, sX, 3);
                    Assert.Equal(tb.Y + (ty + 1) / 2 * tb.Height, sb.Y + (sy + 1) / 2 * sb.Height, 3);
                    CropBox inter = tb.Intersect(sb);
                    Assert.InRange(sX, inter.X, inter.Right);
                }
        // Self pairs are filled: teacher (iq, iq) equals student (iq, iq).
        Assert.Equal(s.TeacherPoint(1, 1, 2), s.StudentPoint(1, 1, 2));
    }
}
