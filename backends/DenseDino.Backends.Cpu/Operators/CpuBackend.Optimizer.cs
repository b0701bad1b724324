using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using DenseDino.Numerics;
using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // Segments are cut into pieces of at most this many elements, summed or updated in parallel.
    private const int SegmentPiece = 65536;

    private readonly record struct Piece(int Segment, long Start, int Length);

    /// <summary>Every segment's [start, start + length) cut into pieces, in segment order.</summary>
    private static Piece[] Pieces(int count, Func<int, (long Start, long Length)> segment)
    {
        var pieces = new List<Piece>();
        for (int k = 0; k < count; k++)
        {
            var (start, length) = segment(k);
            for (long at = 0; at < length; at += SegmentPiece)
                pieces.Add(new Piece(k, start + at, (int)Math.Min(SegmentPiece, length - at)));
        }
        return pieces.ToArray();
    }

    public void SumOfSquares(Tensor x, ReadOnlySpan<FlatSegment> segments, Tensor result)
    {
        float* p = Ptr(x), r = Ptr(result);
        var segs = segments.ToArray();
        var pieces = Pieces(segs.Length, k => (segs[k].Start, segs[k].Length));
        // float sums per piece, combined per segment in double and in a fixed order (deterministic)
        var sums = new double[pieces.Length];
        CpuParallel.ForRange(pieces.Length, Threads, SegmentPiece, (a, b) =>
        {
            for (int i = a; i < b; i++) sums[i] = TensorPrimitives.SumOfSquares(new ReadOnlySpan<float>(p + pieces[i].Start, pieces[i].Length));
        });
        var totals = new double[segs.Length];
        for (int i = 0; i < pieces.Length; i++) totals[pieces[i].Segment] += sums[i];
        for (int k = 0; k < segs.Length; k++) r[k] = (float)totals[k];
    }

    public void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm)
    {
        float coef = ClipFactor(Ptr(sumSquares)[index], maxNorm);
        if (coef >= 1f) return;
        float* p = Ptr(x);
        ForChunks(x.Length, (s, n) => TensorPrimitives.Multiply(new ReadOnlySpan<float>(p + s, n), coef, new Span<float>(p + s, n)));
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, ReadOnlySpan<AdamWSegment> segments, in AdamWPass pass)
    {
        float* pp = Ptr(param), pg = Ptr(grad), pm = Ptr(m), pv = Ptr(v);
        float* pt = pass.Teacher is { } teacher ? Ptr(teacher) : null;
        float* sums = pass.ClipSumSquares is { } ss ? Ptr(ss) : null;
        var segs = segments.ToArray();
        var pieces = Pieces(segs.Length, k => (segs[k].Start, segs[k].Length));
        var shared = pass;   // a copy the workers can capture (an `in` parameter cannot be)
        float maxNorm = pass.ClipMaxNorm;
        CpuParallel.ForRange(pieces.Length, Threads, SegmentPiece * 8L, (a, b) =>
        {
            for (int i = a; i < b; i++)
            {
                var piece = pieces[i];
                var seg = segs[piece.Segment];
                // The clip as ClipByNorm computes it; a factor of 1 leaves the gradient's bits alone, as not clipping does.
                float clip = sums != null ? ClipFactor(sums[seg.ClipIndex], maxNorm) : 1f;
                AdamWRange(pp, pg, pm, pv, pt, piece.Start, piece.Length, seg, clip, shared);
            }
        });
    }

    /// <summary>torch.optim.AdamW on [start, start + n): decay, then p −= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); the teacher's EMA when pt is set.</summary>
    private static void AdamWRange(float* pp, float* pg, float* pm, float* pv, float* pt, long start, int n, in AdamWSegment seg, float clip, in AdamWPass pass)
    {
        float b1 = pass.Beta1, b2 = pass.Beta2, eps = pass.Eps, decay = seg.Decay, stepSize = seg.StepSize, invSqrtBc2 = seg.InvSqrtBc2;
        bool scale = clip < 1f;
        float tm = pass.TeacherMomentum, sm = 1f - tm;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb1c = Vector256.Create(1 - b1);
            var vb2 = Vector256.Create(b2); var vb2c = Vector256.Create(1 - b2);
            var vdecay = Vector256.Create(decay); var vstep = Vector256.Create(stepSize);
            var vinv = Vector256.Create(invSqrtBc2); var veps = Vector256.Create(eps);
            var vclip = Vector256.Create(clip); var vtm = Vector256.Create(tm); var vsm = Vector256.Create(sm);
            for (; i <= n - 8; i += 8)
            {
                long at = start + i;
                var g = Vector256.Load(pg + at);
                if (scale) g *= vclip;
                var mm = vb1 * Vector256.Load(pm + at) + vb1c * g;
                var vv = vb2 * Vector256.Load(pv + at) + vb2c * g * g;
                mm.Store(pm + at);
                vv.Store(pv + at);
                var p = Vector256.Load(pp + at) * vdecay - vstep * mm / (Vector256.Sqrt(vv) * vinv + veps);
                p.Store(pp + at);
                // the teacher's EMA as Ema computes it: t·m, then s·(1 − m) added
                if (pt != null) (p * vsm + Vector256.Load(pt + at) * vtm).Store(pt + at);
            }
        }
        for (; i < n; i++)
        {
            long at = start + i;
            float g = scale ? pg[at] * clip : pg[at];
            float mm = b1 * pm[at] + (1 - b1) * g;
            float vv = b2 * pv[at] + (1 - b2) * g * g;
            pm[at] = mm;
            pv[at] = vv;
            float p = pp[at] * decay - stepSize * mm / (MathF.Sqrt(vv) * invSqrtBc2 + eps);
            pp[at] = p;
            if (pt != null) pt[at] = p * sm + pt[at] * tm;
        }
    }

    /// <summary>DINO's clip_gradients factor, maxNorm / (‖g‖ + 1e-6): applied only where it is below 1.</summary>
    private static float ClipFactor(float sumSquares, float maxNorm) => maxNorm / (MathF.Sqrt(sumSquares) + 1e-6f);

    public void Ema(Tensor teacher, Tensor student, float momentum)
    {
        float* pt = Ptr(teacher), ps = Ptr(student);
        ForChunks(teacher.Length, (s, n) =>
        {
            var t = new Span<float>(pt + s, n);
            // t = m·t + (1 − m)·s
            TensorPrimitives.Multiply(t, momentum, t);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(ps + s, n), 1f - momentum, t, t);
        });
    }
}
