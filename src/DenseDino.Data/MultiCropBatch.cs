namespace DenseDino.Data;

/// <summary>
/// Samples stacked per view, the way torch's default collate stacks the released code's lists:
///   Views[v]          [B, 3, S_v, S_v]
///   StudentPoints[v]  [B, 2, M, 2]   (stu_pos[v])
///   TeacherPoints[iq] [B, V, M, 2]   (tea_pos[iq])
///   Labels            [B]
/// </summary>
public sealed class MultiCropBatch
{
    public required int BatchSize { get; init; }
    public required int[] ViewSizes { get; init; }
    public required int PointCount { get; init; }
    public required float[][] Views { get; init; }
    public required float[][] StudentPoints { get; init; }
    public required float[][] TeacherPoints { get; init; }
    public required int[] Labels { get; init; }

    public int ViewCount => ViewSizes.Length;

    /// <summary>
    /// Stacks the samples. With <paramref name="stackViews"/> false, Views stays empty (points and
    /// labels only): the trainer copies each sample's views straight to the device instead of
    /// building V arrays of B·3·S·S floats on the host every step.
    /// </summary>
    public static MultiCropBatch Collate(IReadOnlyList<MultiCropSample> samples, bool stackViews = true)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("MultiCropBatch: no samples to collate", nameof(samples));
        MultiCropSample first = samples[0];
        int b = samples.Count, v = first.ViewCount, m = first.PointCount;
        for (int i = 1; i < b; i++)
        {
            MultiCropSample s = samples[i];
            if (s.ViewCount != v || s.PointCount != m || !s.ViewSizes.AsSpan().SequenceEqual(first.ViewSizes))
                throw new ArgumentException(
                    $"MultiCropBatch: sample {i} has {s.ViewCount} views of [{string.Join(", ", s.ViewSizes)}] and {s.PointCount} points; " +
                    $"sample 0 has {v} views of [{string.Join(", ", first.ViewSizes)}] and {m} points", nameof(samples));
        }

        if (stackViews && first.Views.Length != v)
            throw new ArgumentException("MultiCropBatch: the samples carry 8-bit pixel views (ViewPixels), not floats: collate with " +
                "stackViews: false and convert them on the backend (PixelPacking.ToImages)", nameof(samples));
        var views = new float[stackViews ? v : 0][];
        for (int view = 0; view < views.Length; view++)
            views[view] = Stack(samples, s => s.Views[view]);
        int studentStride = 2 * m * 2, teacherStride = v * m * 2;
        var student = new float[v][];
        for (int view = 0; view < v; view++)
            student[view] = Stack(samples, s => s.StudentPoints.AsSpan(view * studentStride, studentStride));
        var teacher = new float[m == 0 ? 0 : 2][];
        for (int iq = 0; iq < teacher.Length; iq++)
            teacher[iq] = Stack(samples, s => s.TeacherPoints.AsSpan(iq * teacherStride, teacherStride));

        return new MultiCropBatch
        {
            BatchSize = b,
            ViewSizes = (int[])first.ViewSizes.Clone(),
            PointCount = m,
            Views = views,
            StudentPoints = m == 0 ? [] : student,
            TeacherPoints = teacher,
            Labels = samples.Select(s => s.Label).ToArray(),
        };
    }

    private delegate ReadOnlySpan<float> Part(MultiCropSample sample);

    private static float[] Stack(IReadOnlyList<MultiCropSample> samples, Part part)
    {
        int n = part(samples[0]).Length;
        var dst = new float[samples.Count * n];
        for (int i = 0; i < samples.Count; i++) part(samples[i]).CopyTo(dst.AsSpan(i * n, n));
        return dst;
    }
}
