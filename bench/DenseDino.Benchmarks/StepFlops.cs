namespace DenseDino.Benchmarks;

/// <summary>
/// Matrix-multiply FLOPs of one DenseDINO step, from the shapes (element-wise work ignored):
/// teacher forward on 2B globals with V·M reference tokens each, student forward + backward
/// (≈ 3× forward) on V·B views with 2M reference tokens each.
/// </summary>
internal static class StepFlops
{
    public static double Of(StepBenchOptions o)
    {
        int n = (o.Img / o.Patch) * (o.Img / o.Patch), d = o.Dim;
        double teacher = 2.0 * o.Batch * View(n, o.Views * o.MRef, d, o);
        double student = 3.0 * o.Views * o.Batch * View(n, 2 * o.MRef, d, o);
        return teacher + student;
    }

    /// <summary>Forward FLOPs of one view: patch embedding, blocks (refs as extra queries over patches), both heads.</summary>
    private static double View(int n, int refs, int d, StepBenchOptions o)
    {
        double t = 1 + n;
        double embed = 2.0 * n * 3 * o.Patch * o.Patch * d;
        // per block: qkv 6TD², proj 2TD², MLP 16TD², attention scores + weighted sum 4T²D
        double block = 24.0 * (t + refs) * d * d + 4.0 * t * t * d + 4.0 * refs * (n + 1) * d;
        const int hidden = 2048, bottleneck = 256;
        double head = 2.0 * (d * hidden + hidden * hidden + hidden * bottleneck + (double)bottleneck * o.OutDim);
        return embed + o.Depth * block + (1 + refs) * head;
    }
}
