namespace DenseDino.Numerics;

/// <summary>
/// Ops built from other differentiable ops: their gradients come for free. Intermediates are
/// left to the scope, never disposed here: the tape may still read them in backward.
/// </summary>
public static partial class Ops
{
    /// <summary>Inverted dropout: zeroes each element with probability p (seeded), scales the rest by 1/(1−p).</summary>
    public static Tensor Dropout(Tensor x, float p, ulong seed)
    {
        Check.Alive("Dropout", "x", x);
        if (!(p >= 0 && p < 1)) throw new ArgumentException($"Dropout: p must be in [0, 1), got {p}");
        if (p == 0) return x;
        var mask = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.DropoutMask(seed, p, mask);
        return Mul(x, mask);
    }

    /// <summary>Stochastic depth: drops whole samples (axis 0) with probability p, scaling survivors by 1/(1−p).</summary>
    public static Tensor DropPath(Tensor x, float p, ulong seed)
    {
        Check.Alive("DropPath", "x", x);
        Check.Rank("DropPath", "x", x, 1);
        if (!(p >= 0 && p < 1)) throw new ArgumentException($"DropPath: p must be in [0, 1), got {p}");
        if (p == 0) return x;
        return Mul(x, DropPathMask(x, p, seed));
    }

    /// <summary>[B, 1, ...] for x [B, ...]: per sample 0 with probability p (seeded), else 1/(1−p).</summary>
    internal static Tensor DropPathMask(Tensor x, float p, ulong seed)
    {
        var maskShape = new int[x.Rank];
        Array.Fill(maskShape, 1);
        maskShape[0] = x.Shape[0];
        var mask = Tensor.Empty(x.Backend, maskShape);
        x.Backend.DropoutMask(seed, p, mask);
        return mask;
    }

    /// <summary>
    /// Patch embedding, a stride = kernel convolution as reshape + matmul: x [B, C, H, W],
    /// weight [D, C, P, P], bias [D] → [B, (H/P)·(W/P), D], patches row-major over the grid.
    /// </summary>
    public static Tensor PatchEmbed(Tensor x, Tensor weight, Tensor bias, int patch)
    {
        Check.SameBackend("PatchEmbed", x, weight, "x", "weight");
        Check.Rank("PatchEmbed", "x", x, 4, 4);
        Check.Rank("PatchEmbed", "weight", weight, 4, 4);
        int b = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], d = weight.Shape[0];
        if (patch <= 0 || h % patch != 0 || w % patch != 0)
            throw new ArgumentException($"PatchEmbed: x {x.Shape} is not divisible into {patch}x{patch} patches");
        Check.ShapeEquals("PatchEmbed", "weight", weight, [d, c, patch, patch]);
        Check.SameBackend("PatchEmbed", x, bias, "x", "bias");
        Check.ShapeEquals("PatchEmbed", "bias", bias, [d]);
        int gh = h / patch, gw = w / patch;
        var split = Reshape(x, b, c, gh, patch, gw, patch);           // [B, C, gh, P, gw, P]
        var patches = Permute(split, 0, 2, 4, 1, 3, 5);               // [B, gh, gw, C, P, P]
        var rows = Reshape(patches, b * gh * gw, c * patch * patch);  // [B·N, C·P·P]
        var w2 = Reshape(weight, d, c * patch * patch);               // [D, C·P·P]
        var y = Linear(rows, w2, bias);                               // [B·N, D]
        return Reshape(y, b, gh * gw, d);
    }
}
