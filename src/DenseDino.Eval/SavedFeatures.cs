namespace DenseDino.Eval;

/// <summary>Features written by <see cref="FeatureSet.Save"/>, read back: cls [N, D], files and labels.</summary>
public sealed record SavedFeatures(float[] Cls, int Count, int Dim, IReadOnlyList<string> Files, IReadOnlyList<int> Labels)
{
    /// <summary>Reads OUT.npy (must be [N, D]) and OUT.files.txt (path TAB label per line, N lines).</summary>
    public static SavedFeatures Load(string outPath)
    {
        string stem = outPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? outPath[..^4] : outPath;
        var npy = NpyFile.Read(stem + ".npy");
        if (npy.Shape.Length != 2)
            throw new InvalidDataException($"{stem}.npy: CLS features must be [N, D], got ({string.Join(", ", npy.Shape)})");
        string list = stem + ".files.txt";
        if (!File.Exists(list)) throw new FileNotFoundException($"SavedFeatures: '{list}' not found (written next to the .npy)", list);
        var lines = File.ReadAllLines(list).Where(l => l.Length > 0).ToList();
        if (lines.Count != npy.Shape[0])
            throw new InvalidDataException($"{list}: {lines.Count} lines but {stem}.npy has {npy.Shape[0]} rows");
        var files = new List<string>();
        var labels = new List<int>();
        foreach (string line in lines)
        {
            int tab = line.LastIndexOf('\t');
            if (tab < 0 || !int.TryParse(line.AsSpan(tab + 1), out int label))
                throw new InvalidDataException($"{list}: line '{line}' is not 'path<TAB>label'");
            files.Add(line[..tab]);
            labels.Add(label);
        }
        return new SavedFeatures(npy.Data, npy.Shape[0], npy.Shape[1], files, labels);
    }

    public static SavedFeatures From(FeatureSet set) => new(set.Cls(), set.Count, set.Dim, set.Files, set.Labels);
}
