namespace DenseDino.Data;

/// <summary>
/// Classic DINO multi-crop for baselines: 2 global crops (scale 0.4..1, size 224) and n local
/// crops (scale 0.05..0.4, size 96), no overlap constraint and no reference points.
/// </summary>
public sealed class DinoMultiCrop(
    int localCount = 8, int globalSize = 224, double globalMinScale = 0.4, double globalMaxScale = 1.0,
    int localSize = 96, double localMinScale = 0.05, double localMaxScale = 0.4, ViewPipeline? pipeline = null)
{
    private readonly RandomResizedCrop _global = new(globalSize, globalMinScale, globalMaxScale);
    private readonly RandomResizedCrop _local = new(localSize, localMinScale, localMaxScale);

    public int LocalCount { get; } = localCount >= 0 ? localCount
        : throw new ArgumentOutOfRangeException(nameof(localCount), localCount, "DinoMultiCrop: must be >= 0");
    public ViewPipeline Pipeline { get; } = pipeline ?? new ViewPipeline();

    public MultiCropSample Apply(RgbImage image, SampleRng rng, int label = 0)
    {
        int count = 2 + LocalCount;
        var views = new float[count][];
        var sizes = new int[count];
        var boxes = new CropBox[count];
        var flipped = new bool[count];
        for (int v = 0; v < count; v++)
        {
            RandomResizedCrop crop = v < 2 ? _global : _local;
            boxes[v] = crop.SampleBox(image.Width, image.Height, rng);
            sizes[v] = crop.Size;
            (views[v], flipped[v]) = Pipeline.Apply(image, boxes[v], crop.Size, v, rng);
        }
        return new MultiCropSample
        {
            Views = views,
            ViewSizes = sizes,
            Boxes = boxes,
            Flipped = flipped,
            PointCount = 0,
            StudentPoints = [],
            TeacherPoints = [],
            Label = label,
        };
    }
}
