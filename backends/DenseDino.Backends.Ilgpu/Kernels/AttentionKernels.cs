namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// The own-key terms of reference-token attention (each ref query's one extra key beside the
/// shared patch keys), which no GEMM covers: a dot per row and a scaled row update. Index math is
/// 32-bit (row counts are far below 2^31); only the final offsets are 64-bit products.
/// </summary>
public static class AttentionKernels
{
    /// <summary>probs[r, Cols − 1] = Alpha · x_r · y_r, one thread per row r = (b, h, i).</summary>
    [Kernel]
    public static void RefOwnDot(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<float> probs, RefRowArgs p)
    {
        int r = index;
        int i = r % p.Lq, bh = r / p.Lq, h = bh % p.Heads, b = bh / p.Heads;
        long xo = p.X.At(b, h, i), yo = p.Y.At(b, h, i);
        float acc = 0f;
        for (int d = 0; d < p.HeadDim; d++) acc += x[xo + d] * y[yo + d];
        probs[p.ProbsOffset + (long)r * p.Cols + p.Cols - 1] = p.Alpha * acc;
    }

    /// <summary>y_r (+)= Alpha · probs[r, Cols − 1] · x_r, one thread per element of a row.</summary>
    [Kernel]
    public static void RefOwnScale(Index1D index, ArrayView<float> probs, ArrayView<float> x, ArrayView<float> y, RefRowArgs p)
    {
        int e = index;
        int r = e / p.HeadDim, d = e - r * p.HeadDim;
        int i = r % p.Lq, bh = r / p.Lq, h = bh % p.Heads, b = bh / p.Heads;
        float v = p.Alpha * probs[p.ProbsOffset + (long)r * p.Cols + p.Cols - 1] * x[p.X.At(b, h, i) + d];
        long at = p.Y.At(b, h, i) + d;
        if (p.Accumulate != 0) v += y[at];
        y[at] = v;
    }
}
