using DenseDino.Nn;

namespace DenseDino.Eval;

/// <summary>
/// Options of <see cref="FeatureExtractor"/>. Points are (x, y) pairs in [-1, 1] (grid_sample
/// convention, x = column), the same for every image; P = Points.Length / 2 reference tokens.
/// </summary>
public sealed record FeatureOptions(
    int BatchSize = 32,
    EvalResize? Resize = null,
    float[]? Points = null,
    MaskMode Mode = MaskMode.All2PosPos2ClsEye,
    bool KeepPatches = true)
{
    public EvalResize ResizeRule => Resize ?? EvalResize.Classification;
    public int PointCount => Points is null ? 0 : Points.Length / 2;

    public void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentException($"FeatureOptions: BatchSize must be > 0, got {BatchSize}");
        if (Points is { } p && (p.Length == 0 || p.Length % 2 != 0))
            throw new ArgumentException($"FeatureOptions: Points must hold (x, y) pairs, got {p.Length} values");
    }
}

/// <summary>One image's backbone outputs (after the final norm), row-major.</summary>
/// <param name="Cls">[D]</param>
/// <param name="Patches">[h·w, D] (empty when patches are not kept)</param>
/// <param name="Refs">[P, D] or null without points</param>
public sealed record ImageFeatures(float[] Cls, float[] Patches, int GridHeight, int GridWidth, float[]? Refs)
{
    public int Dim => Cls.Length;
}
