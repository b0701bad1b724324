using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Elements per group in the segmented optimiser passes (a segment is cut into pieces this long).
    private const int OptimizerPiece = 8192;

    /// <summary>Every segment cut into pieces (in segment order) and, per segment, its first piece (plus the end).</summary>
    private static (SegmentPiece[] Pieces, int[] FirstPiece) Pieces(int count, Func<int, (long Start, long Length)> segment)
    {
        var pieces = new List<SegmentPiece>();
        var first = new int[count + 1];
        for (int k = 0; k < count; k++)
        {
            first[k] = pieces.Count;
            var (start, length) = segment(k);
            for (long at = 0; at < length; at += OptimizerPiece)
                pieces.Add(new SegmentPiece { Start = start + at, Segment = k, Length = (int)Math.Min(OptimizerPiece, length - at) });
        }
        first[count] = pieces.Count;
        return (pieces.ToArray(), first);
    }

    public void SumOfSquares(Tensor x, ReadOnlySpan<FlatSegment> segments, Tensor result)
    {
        var segs = segments.ToArray();
        var (pieces, first) = Pieces(segs.Length, k => (segs[k].Start, segs[k].Length));
        var partials = Pool.Rent(Math.Max(pieces.Length, 1));
        var (pieceBuffer, pieceView) = UploadStructs<SegmentPiece>(pieces);
        var (firstBuffer, firstView) = UploadStructs<int>(first);
        if (pieces.Length > 0)
            K.PieceSumOfSquares(new KernelConfig(new Index1D(pieces.Length), new Index1D(RowGroup)), V(x), pieceView,
                ((IlgpuBuffer)partials).View(0, pieces.Length));
        K.SegmentTotals(Count(segs.Length), ((IlgpuBuffer)partials).View(0, Math.Max(pieces.Length, 1)), firstView, V(result));
        Pool.Return(firstBuffer);
        Pool.Return(pieceBuffer);
        Pool.Return(partials);
    }

    public void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        if (x.Length == 0) return;
        K.Clip(Count(x.Length), V(x), V(sumSquares), index, maxNorm);
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, ReadOnlySpan<AdamWSegment> segments, in AdamWPass pass)
    {
        var segs = segments.ToArray();
        var (pieces, _) = Pieces(segs.Length, k => (segs[k].Start, segs[k].Length));
        if (pieces.Length == 0) return;
        var scalars = Array.ConvertAll(segs, s => new AdamSegmentArgs { StepSize = s.StepSize, InvSqrtBc2 = s.InvSqrtBc2, Decay = s.Decay, ClipIndex = s.ClipIndex });
        var args = new AdamPassArgs
        {
            Beta1 = pass.Beta1, Beta2 = pass.Beta2, Eps = pass.Eps, ClipMaxNorm = pass.ClipMaxNorm, Momentum = pass.TeacherMomentum,
            Clip = pass.ClipSumSquares is null ? 0 : 1, Ema = pass.Teacher is null ? 0 : 1,
        };
        var (pieceBuffer, pieceView) = UploadStructs<SegmentPiece>(pieces);
        var (scalarBuffer, scalarView) = UploadStructs<AdamSegmentArgs>(scalars);
        // Absent operands are bound to param's own view; the flags keep the kernel from touching them.
        K.AdamW(new KernelConfig(new Index1D(pieces.Length), new Index1D(RowGroup)), V(param), V(grad), V(m), V(v),
            pass.ClipSumSquares is { } ss ? V(ss) : V(param), pass.Teacher is { } t ? V(t) : V(param), pieceView, scalarView, args);
        Pool.Return(scalarBuffer);
        Pool.Return(pieceBuffer);
    }

    public void Ema(Tensor teacher, Tensor student, float momentum)
    {
        if (teacher.Length == 0) return;
        K.Ema(Count(teacher.Length), V(teacher), V(student), momentum);
    }
}
