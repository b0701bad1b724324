using DenseDino.Data;

namespace DenseDino.Data.Tests;

internal static class TestData
{
    /// <summary>The repository's data/sample folder, found by walking up to DenseDino.sln.</summary>
    public static string SampleRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DenseDino.sln")))
                    return Path.Combine(dir.FullName, "data", "sample");
            throw new DirectoryNotFoundException($"no DenseDino.sln above {AppContext.BaseDirectory}");
        }
    }

    public static string FirstSampleJpeg =>
        Directory.EnumerateFiles(Path.Combine(SampleRoot, "train"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();

    /// <summary>An image whose red channel is the column and green channel the row, so sampled values decode to coordinates.</summary>
    public static RgbImage CoordinateImage(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 3;
                image.Pixels[o] = (byte)x;
                image.Pixels[o + 1] = (byte)y;
                image.Pixels[o + 2] = 128;
            }
        return image;
    }

    public static RgbImage RandomImage(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[width * height * 3];
        rng.NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "densedino-data-" + Guid.NewGuid().ToString("N"));
        public TempDir() => Directory.CreateDirectory(Path);
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
