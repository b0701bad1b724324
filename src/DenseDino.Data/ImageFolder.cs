namespace DenseDino.Data;

/// <summary>One image file and its class index (0 when the folder has no class sub-folders).</summary>
public readonly record struct ImageEntry(string Path, string RelativePath, int Label);

/// <summary>
/// Recursive reader of JPEG/PNG/BMP files under a root. Class index = ordinal-sorted name of
/// the first-level sub-folder; files directly in the root get class 0. Files are ordinal-sorted by relative path so indices are stable across machines.
/// A file that fails to decode is reported once through <see cref="Warn"/>, counted in
/// <see cref="SkippedCount"/> and skipped; reading goes on. <see cref="TryRead"/> may be called from
/// several threads, so the warning callback may be too.
/// </summary>
public sealed class ImageFolder
{
    private readonly HashSet<int> _reported = [];
    private readonly Action<string>? _warn;
    private int _skipped;

    public string Root { get; }
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<ImageEntry> Entries { get; }
    public int Count => Entries.Count;

    /// <summary>Number of distinct files that failed to decode so far.</summary>
    public int SkippedCount => Volatile.Read(ref _skipped);

    public ImageFolder(string root, Action<string>? warn = null)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"ImageFolder: root '{root}' does not exist");
        Root = Path.GetFullPath(root);
        _warn = warn;

        var classes = Directory.GetDirectories(Root).Select(Path.GetFileName).Select(n => n!).ToList();
        classes.Sort(StringComparer.Ordinal);
        Classes = classes;
        var classIndex = classes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);

        var entries = new List<ImageEntry>();
        foreach (string file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            if (!ImageDecoder.IsImagePath(file)) continue;
            string rel = Path.GetRelativePath(Root, file).Replace('\\', '/');
            int slash = rel.IndexOf('/');
            int label = slash < 0 ? 0 : classIndex[rel[..slash]];
            entries.Add(new ImageEntry(file, rel, label));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        Entries = entries;
    }

    /// <summary>Decodes entry <paramref name="index"/>, or returns null (reported once, counted) when it is corrupt.</summary>
    public RgbImage? TryRead(int index)
    {
        if ((uint)index >= (uint)Entries.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"ImageFolder: {Entries.Count} entries");
        string path = Entries[index].Path;
        try
        {
            return ImageDecoder.Decode(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            bool first;
            lock (_reported) first = _reported.Add(index);
            if (first)
            {
                Interlocked.Increment(ref _skipped);
                string message = e is InvalidDataException ? e.Message : $"{path}: {e.Message}";
                _warn?.Invoke($"ImageFolder: skipping {message}");
            }
            return null;
        }
    }

    /// <summary>All images that decode, in index order, with their labels; corrupt files are skipped.</summary>
    public IEnumerable<(RgbImage Image, int Label, int Index)> ReadAll()
    {
        for (int i = 0; i < Entries.Count; i++)
        {
            RgbImage? image = TryRead(i);
            if (image is not null) yield return (image, Entries[i].Label, i);
        }
    }
}
