using ILGPU.Algorithms;
namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Optimiser passes over flat buffers holding many parameters: one group per piece of a segment (one
/// parameter), so a whole model's norms or update are one launch however many tensors it has.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>partials[piece] = Σ x² over the group's piece.</summary>
    [Kernel(grouped: true)]
    public static void PieceSumOfSquares(ArrayView<float> x, ArrayView<SegmentPiece> pieces, ArrayView<float> partials)
    {
        var shared = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        var piece = pieces[Grid.IdxX];
        float s = 0f;
        for (int k = Group.IdxX; k < piece.Length; k += Group.DimX)
        {
            float v = x[piece.Start + k];
            s += v * v;
        }
        s = DeviceMath.GroupSum(shared, s);
        if (Group.IdxX == 0) partials[Grid.IdxX] = s;
    }

    /// <summary>result[k] = Σ partials of segment k's pieces, [firstPiece[k], firstPiece[k + 1]), in order.</summary>
    [Kernel]
    public static void SegmentTotals(Index1D k, ArrayView<float> partials, ArrayView<int> firstPiece, ArrayView<float> result)
    {
        float s = 0f;
        for (int i = firstPiece[k]; i < firstPiece[k + 1]; i++) s += partials[i];
        result[k] = s;
    }

    /// <summary>
    /// torch.optim.AdamW over the group's piece: decay, then p −= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps), with the
    /// segment's own scalars; optionally the gradient clipped as ClipByNorm would (read, not written) and the
    /// teacher's EMA of the new p, as Ema computes it.
    /// </summary>
    [Kernel(grouped: true)]
    public static void AdamW(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, ArrayView<float> sumSquares,
        ArrayView<float> teacher, ArrayView<SegmentPiece> pieces, ArrayView<AdamSegmentArgs> segments, AdamPassArgs a)
    {
        var piece = pieces[Grid.IdxX];
        var seg = segments[piece.Segment];
        float coef = 1f;
        if (a.Clip != 0) coef = a.ClipMaxNorm / (XMath.Sqrt(sumSquares[seg.ClipIndex]) + 1e-6f);
        for (int k = Group.IdxX; k < piece.Length; k += Group.DimX)
        {
            long i = piece.Start + k;
            float g = grad[i];
            if (coef < 1f) g = g * coef;
            float mm = a.Beta1 * m[i] + (1f - a.Beta1) * g;
            float vv = a.Beta2 * v[i] + (1f - a.Beta2) * g * g;
            m[i] = mm;
            v[i] = vv;
            float p = param[i] * seg.Decay - seg.StepSize * mm / (XMath.Sqrt(vv) * seg.InvSqrtBc2 + a.Eps);
            param[i] = p;
            if (a.Ema != 0) teacher[i] = p * (1f - a.Momentum) + teacher[i] * a.Momentum;
        }
    }
}
