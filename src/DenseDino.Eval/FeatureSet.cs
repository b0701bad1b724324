namespace DenseDino.Eval;

/// <summary>Features of a list of files (relative paths, class labels) in file order.</summary>
public sealed class FeatureSet(IReadOnlyList<string> files, IReadOnlyList<int> labels, IReadOnlyList<string> classes, IReadOnlyList<ImageFeatures> items)
{
    public IReadOnlyList<string> Files { get; } = files;
    public IReadOnlyList<int> Labels { get; } = labels;
    public IReadOnlyList<string> Classes { get; } = classes;
    public IReadOnlyList<ImageFeatures> Items { get; } = items;
    public int Count => Items.Count;
    public int Dim => Items.Count == 0 ? 0 : Items[0].Dim;

    /// <summary>[N, D]</summary>
    public float[] Cls() => Stack(i => i.Cls);

    /// <summary>[N, h·w, D]; every image must have the same grid.</summary>
    public (float[] Data, int GridHeight, int GridWidth) Patches()
    {
        if (Count == 0) return ([], 0, 0);
        var first = Items[0];
        for (int i = 0; i < Count; i++)
        {
            if (Items[i].GridHeight != first.GridHeight || Items[i].GridWidth != first.GridWidth)
                throw new InvalidOperationException($"FeatureSet: {Files[i]} has a {Items[i].GridHeight}x{Items[i].GridWidth} patch grid, {Files[0]} {first.GridHeight}x{first.GridWidth}; stack only equal grids (use a resize that fixes the size)");
            if (Items[i].Patches.Length == 0) throw new InvalidOperationException("FeatureSet: patches were not kept (FeatureOptions.KeepPatches)");
        }
        return (Stack(i => i.Patches), first.GridHeight, first.GridWidth);
    }

    /// <summary>[N, P, D], or null without points.</summary>
    public float[]? Refs() => Count == 0 || Items[0].Refs is null ? null : Stack(i => i.Refs!);

    /// <summary>
    /// Writes OUT.npy (cls [N, D]), OUT.files.txt (relative path and label, tab-separated, one per
    /// line), and when present OUT.patch.npy ([N, h·w, D]) and OUT.refs.npy ([N, P, D]). Returns the paths.
    /// </summary>
    public IReadOnlyList<string> Save(string outPath, bool patches = true)
    {
        string stem = outPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? outPath[..^4] : outPath;
        var written = new List<string>();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        NpyFile.Write(stem + ".npy", Cls(), Count, Dim);
        written.Add(stem + ".npy");
        if (patches && Count > 0 && Items[0].Patches.Length > 0)
        {
            var (data, gh, gw) = Patches();
            NpyFile.Write(stem + ".patch.npy", data, Count, gh * gw, Dim);
            written.Add(stem + ".patch.npy");
        }
        if (Refs() is { } refs)
        {
            NpyFile.Write(stem + ".refs.npy", refs, Count, Items[0].Refs!.Length / Dim, Dim);
            written.Add(stem + ".refs.npy");
        }
        File.WriteAllLines(stem + ".files.txt", Files.Select((f, i) => $"{f}\t{Labels[i]}"));
        written.Add(stem + ".files.txt");
        return written;
    }

    private float[] Stack(Func<ImageFeatures, float[]> part)
    {
        if (Count == 0) return [];
        int each = part(Items[0]).Length;
        var dst = new float[(long)each * Count];
        for (int i = 0; i < Count; i++) part(Items[i]).CopyTo(dst, (long)i * each);
        return dst;
    }
}
