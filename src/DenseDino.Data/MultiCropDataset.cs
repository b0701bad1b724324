namespace DenseDino.Data;

/// <summary>
/// An <see cref="ImageFolder"/> seen through a multi-crop transform, each sample's randomness drawn
/// from (seed, epoch, index) only: the same triple gives bit-identical views on any thread.
/// </summary>
public sealed class MultiCropDataset(ImageFolder folder, Func<RgbImage, SampleRng, int, MultiCropSample> transform, long seed)
{
    public ImageFolder Folder { get; } = folder ?? throw new ArgumentNullException(nameof(folder));
    public long Seed { get; } = seed;
    public int Count => Folder.Count;

    public static MultiCropDataset DenseDino(ImageFolder folder, DenseDinoMultiCrop crop, long seed) =>
        new(folder, crop.Apply, seed);

    public static MultiCropDataset Dino(ImageFolder folder, DinoMultiCrop crop, long seed) =>
        new(folder, crop.Apply, seed);

    /// <summary>The sample, or null when its file is corrupt (reported and counted by the folder).</summary>
    public MultiCropSample? Get(int index, int epoch)
    {
        RgbImage? image = Folder.TryRead(index);
        if (image is null) return null;
        return transform(image, SampleRng.ForSample(Seed, epoch, index), Folder.Entries[index].Label);
    }

    public DataLoader<MultiCropSample> CreateLoader(int batchSize, int workers = 2, int prefetch = 2, bool shuffle = true, bool dropLast = true) =>
        new(Count, Get, batchSize, workers, prefetch, shuffle, dropLast, Seed);
}
