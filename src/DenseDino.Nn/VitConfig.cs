namespace DenseDino.Nn;

/// <summary>ViT hyper-parameters (qkv bias on, LayerNorm eps 1e-6, GELU MLP, as the official vit_* builders).</summary>
public sealed record VitConfig(
    int ImgSize = 224,
    int PatchSize = 16,
    int Dim = 192,
    int Depth = 12,
    int Heads = 3,
    double MlpRatio = 4,
    float DropPathRate = 0f,
    bool LearnableRefToken = false,
    int InChannels = 3)
{
    public static VitConfig Tiny(int patchSize = 16, int imgSize = 224) => new(imgSize, patchSize, 192, 12, 3);
    public static VitConfig Small(int patchSize = 16, int imgSize = 224) => new(imgSize, patchSize, 384, 12, 6);
    public static VitConfig Base(int patchSize = 16, int imgSize = 224) => new(imgSize, patchSize, 768, 12, 12);

    /// <summary>Preset by the official name: vit_tiny, vit_small, vit_base.</summary>
    public static VitConfig Preset(string name, int patchSize = 16, int imgSize = 224) => name switch
    {
        "vit_tiny" => Tiny(patchSize, imgSize),
        "vit_small" => Small(patchSize, imgSize),
        "vit_base" => Base(patchSize, imgSize),
        _ => throw new ArgumentException($"VitConfig: unknown preset '{name}' (vit_tiny, vit_small, vit_base)"),
    };

    /// <summary>Side of the pretraining patch grid (g = ImgSize / PatchSize; N0 = g²).</summary>
    public int Grid => ImgSize / PatchSize;

    public void Validate()
    {
        if (PatchSize <= 0 || ImgSize <= 0 || ImgSize % PatchSize != 0)
            throw new ArgumentException($"VitConfig: ImgSize {ImgSize} must be a positive multiple of PatchSize {PatchSize}");
        if (Dim <= 0 || Heads <= 0 || Dim % Heads != 0)
            throw new ArgumentException($"VitConfig: Dim {Dim} must be a positive multiple of Heads {Heads}");
        if (Depth <= 0) throw new ArgumentException($"VitConfig: Depth must be > 0, got {Depth}");
        if (!(DropPathRate >= 0 && DropPathRate < 1)) throw new ArgumentException($"VitConfig: DropPathRate must be in [0, 1), got {DropPathRate}");
    }
}
