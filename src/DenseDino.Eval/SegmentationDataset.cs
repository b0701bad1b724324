using DenseDino.Data;
using StbImageSharp;

namespace DenseDino.Eval;

/// <summary>One image and its mask file.</summary>
public readonly record struct SegmentationSample(string Id, string ImagePath, string MaskPath);

/// <summary>A class-index mask [H, W], 255 = void.</summary>
public sealed record LabelMask(int Width, int Height, byte[] Labels)
{
    public const byte Void = 255;
}

/// <summary>
/// Image/mask pairs with class names, read from the msrc-v2 layout (images/, masks/, split
/// lists) or the CamVid layout ({split}/images, {split}/masks). Masks are single-channel 8-bit
/// PNGs: value = class index, 255 = void.
/// </summary>
public sealed class SegmentationDataset(string name, IReadOnlyList<string> classes, IReadOnlyList<SegmentationSample> samples)
{
    public string Name { get; } = name;
    public IReadOnlyList<string> Classes { get; } = classes;
    public IReadOnlyList<SegmentationSample> Samples { get; } = samples;
    public int Count => Samples.Count;

    /// <summary>msrc-v2: root/{images/&lt;id&gt;.jpg, masks/&lt;id&gt;.png, classes.txt, &lt;split&gt;.txt (ids)}.</summary>
    public static SegmentationDataset Msrc(string root, string split)
    {
        string list = Path.Combine(root, split + ".txt");
        if (!File.Exists(list)) throw new FileNotFoundException($"SegmentationDataset: split list '{list}' not found", list);
        var ids = File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var samples = ids.Select(id => new SegmentationSample(id,
            Path.Combine(root, "images", id + ".jpg"), Path.Combine(root, "masks", id + ".png"))).ToList();
        return new SegmentationDataset($"msrc-v2/{split}", ReadClasses(root), Check(samples));
    }

    /// <summary>CamVid: root/{classes.txt, &lt;split&gt;/images/&lt;name&gt;.jpg, &lt;split&gt;/masks/&lt;name&gt;.png}, ordinal-sorted.</summary>
    public static SegmentationDataset CamVid(string root, string split)
    {
        string images = Path.Combine(root, split, "images");
        if (!Directory.Exists(images)) throw new DirectoryNotFoundException($"SegmentationDataset: '{images}' not found");
        var files = Directory.GetFiles(images).Where(ImageDecoder.IsImagePath).ToList();
        files.Sort(StringComparer.Ordinal);
        var samples = files.Select(f =>
        {
            string id = Path.GetFileNameWithoutExtension(f);
            return new SegmentationSample(id, f, Path.Combine(root, split, "masks", id + ".png"));
        }).ToList();
        return new SegmentationDataset($"camvid/{split}", ReadClasses(root), Check(samples));
    }

    /// <summary>Picks the layout from the folder: a split list (msrc-v2) or a split folder (CamVid).</summary>
    public static SegmentationDataset Open(string root, string split) =>
        File.Exists(Path.Combine(root, split + ".txt")) ? Msrc(root, split) : CamVid(root, split);

    /// <summary>The first <paramref name="count"/> samples (quick runs, tests).</summary>
    public SegmentationDataset Take(int count) => new(Name, Classes, Samples.Take(count).ToList());

    public RgbImage LoadImage(int index) => ImageDecoder.Decode(Samples[index].ImagePath);

    /// <summary>The mask, validated: single channel, values &lt; classes or 255, size = <paramref name="image"/>'s when given.</summary>
    public LabelMask LoadMask(int index, RgbImage? image = null)
    {
        string path = Samples[index].MaskPath;
        var mask = ReadMask(path);
        if (image is not null && (mask.Width != image.Width || mask.Height != image.Height))
            throw new InvalidDataException($"{path}: mask is {mask.Width}x{mask.Height} but its image {Samples[index].ImagePath} is {image.Width}x{image.Height}");
        foreach (byte v in mask.Labels)
            if (v != LabelMask.Void && v >= Classes.Count)
                throw new InvalidDataException($"{path}: label {v} is outside the {Classes.Count} classes (255 = void)");
        return mask;
    }

    public (RgbImage Image, LabelMask Mask) Load(int index)
    {
        var image = LoadImage(index);
        return (image, LoadMask(index, image));
    }

    public static LabelMask ReadMask(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ImageResult result;
        try
        {
            using (var s = new MemoryStream(bytes))
            {
                var info = ImageInfo.FromStream(s) ?? throw new InvalidDataException($"{path}: not a PNG mask");
                if (info.ColorComponents != ColorComponents.Grey || info.BitsPerChannel != 8)
                    throw new InvalidDataException($"{path}: mask must be single-channel 8-bit, got {info.ColorComponents} at {info.BitsPerChannel} bits");
            }
            result = ImageResult.FromMemory(bytes, ColorComponents.Grey);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: unreadable mask ({e.Message})", e);
        }
        return new LabelMask(result.Width, result.Height, result.Data);
    }

    private static List<string> ReadClasses(string root)
    {
        string path = Path.Combine(root, "classes.txt");
        if (!File.Exists(path)) throw new FileNotFoundException($"SegmentationDataset: '{path}' not found", path);
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }

    private static List<SegmentationSample> Check(List<SegmentationSample> samples)
    {
        foreach (var s in samples)
        {
            if (!File.Exists(s.ImagePath)) throw new FileNotFoundException($"SegmentationDataset: image '{s.ImagePath}' not found", s.ImagePath);
            if (!File.Exists(s.MaskPath)) throw new FileNotFoundException($"SegmentationDataset: mask '{s.MaskPath}' for {s.ImagePath} not found", s.MaskPath);
        }
        return samples;
    }
}
