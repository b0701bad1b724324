namespace DenseDino.Data;

/// <summary>
/// DenseDINO's views (the released DataAugmentationDINO with --given_pos): V views, all of one
/// size and scale range (released command: 2 + 4 views of 224, scale 0.25..1). Views 0 and 1 are
/// the globals (teacher inputs). Each view after the first is re-drawn until its overlap with
/// every earlier global exceeds MinIntersection of the image area (twice that between the two
/// globals), strictly and on integer pixel areas as the released code does. The released code
/// retries forever; we stop after MaxResamples draws and fall back to global 0's box, whose
/// overlaps already meet the bounds.
/// </summary>
public sealed class DenseDinoMultiCrop
{
    private readonly RandomResizedCrop _crop;

    public int ViewCount { get; }
    public int Size { get; }
    public int NumReference { get; }
    public ReferenceSampling Sampling { get; }
    public double MinIntersection { get; }
    public int MaxResamples { get; }
    public ViewPipeline Pipeline { get; }
    /// <summary>
    /// True makes samples carry 8-bit views (<see cref="MultiCropSample.ViewPixels"/>) for the trainer to convert
    /// on its backend (ToTensor + Normalize by <see cref="TensorConversion.NormalizationTable"/>), instead of floats.
    /// </summary>
    public bool PixelViews { get; init; }

    /// <summary>How many views ended on the fallback box (diagnostic; counts across threads).</summary>
    public int FallbackCount => Volatile.Read(ref _fallbacks);
    private int _fallbacks;

    public DenseDinoMultiCrop(
        int viewCount = 4, int size = 224, double minScale = 0.25, double maxScale = 1.0,
        int numReference = 2, ReferenceSampling sampling = ReferenceSampling.Random,
        double minIntersection = 0.01, int maxResamples = 100, ViewPipeline? pipeline = null)
    {
        if (viewCount < 2) throw new ArgumentOutOfRangeException(nameof(viewCount), viewCount, "DenseDinoMultiCrop: needs the two globals at least");
        if (numReference < 1) throw new ArgumentOutOfRangeException(nameof(numReference), numReference, "DenseDinoMultiCrop: at least one reference point");
        if (minIntersection < 0 || minIntersection >= 0.5) throw new ArgumentOutOfRangeException(nameof(minIntersection), minIntersection, "DenseDinoMultiCrop: must be in [0, 0.5)");
        if (maxResamples < 0) throw new ArgumentOutOfRangeException(nameof(maxResamples), maxResamples, "DenseDinoMultiCrop: must be >= 0");
        _crop = new RandomResizedCrop(size, minScale, maxScale);
        ViewCount = viewCount;
        Size = size;
        NumReference = numReference;
        Sampling = sampling;
        MinIntersection = minIntersection;
        MaxResamples = maxResamples;
        Pipeline = pipeline ?? new ViewPipeline();
    }

    public int PointCount => ReferencePoints.PointCount(Sampling, NumReference);

    public MultiCropSample Apply(RgbImage image, SampleRng rng, int label = 0)
    {
        CropBox[] boxes = SampleBoxes(image.Width, image.Height, rng);
        var views = new float[PixelViews ? 0 : ViewCount][];
        var pixels = PixelViews ? new byte[ViewCount][] : null;
        var flipped = new bool[ViewCount];
        for (int v = 0; v < ViewCount; v++)
        {
            if (pixels is null) (views[v], flipped[v]) = Pipeline.Apply(image, boxes[v], Size, v, rng);
            else
            {
                var (view, flip) = Pipeline.ApplyPixels(image, boxes[v], Size, v, rng);
                (pixels[v], flipped[v]) = (view.Pixels, flip);
            }
        }
        var (student, teacher) = ReferencePoints.Sample(boxes, flipped, Sampling, NumReference, rng);
        return new MultiCropSample
        {
            Views = views,
            ViewPixels = pixels,
            ViewSizes = Enumerable.Repeat(Size, ViewCount).ToArray(),
            Boxes = boxes,
            Flipped = flipped,
            PointCount = PointCount,
            StudentPoints = student,
            TeacherPoints = teacher,
            Label = label,
        };
    }

    /// <summary>The crop boxes alone, with the overlap constraints applied.</summary>
    public CropBox[] SampleBoxes(int width, int height, SampleRng rng)
    {
        var boxes = new CropBox[ViewCount];
        // The released code truncates: int(W * H * min_intersection).
        long minArea = (long)((double)width * height * MinIntersection);
        for (int i = 0; i < ViewCount; i++)
        {
            CropBox box = _crop.SampleBox(width, height, rng);
            if (i > 0)
            {
                long needed = i < 2 ? 2 * minArea : minArea;
                int draws = 0;
                while (!OverlapsGlobals(box, boxes, Math.Min(i, 2), needed))
                {
                    if (++draws > MaxResamples)
                    {
                        box = boxes[0];
                        Interlocked.Increment(ref _fallbacks);
                        break;
                    }
                    box = _crop.SampleBox(width, height, rng);
                }
            }
            boxes[i] = box;
        }
        return boxes;
    }

    private static bool OverlapsGlobals(CropBox box, CropBox[] boxes, int globals, long needed)
    {
        for (int g = 0; g < globals; g++)
            if (box.Intersect(boxes[g]).Area <= needed) return false;
        return true;
    }
}
