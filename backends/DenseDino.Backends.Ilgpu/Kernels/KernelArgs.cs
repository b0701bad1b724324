namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>Up to six collapsed dims (outermost first; unused leading dims are 1 with stride 0).</summary>
public struct Dims6
{
    public long D0, D1, D2, D3, D4, D5;

    public const int Rank = 6;

    /// <summary>Right-aligns values into six slots, padding the front with <paramref name="pad"/>.</summary>
    public static Dims6 From(IReadOnlyList<long> values, long pad)
    {
        if (values.Count > Rank) throw new ArgumentException($"Dims6: {values.Count} dims (split the leading ones with ForLeading first)");
        var v = new long[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int j = i - (Rank - values.Count);
            v[i] = j >= 0 ? values[j] : pad;
        }
        return new Dims6 { D0 = v[0], D1 = v[1], D2 = v[2], D3 = v[3], D4 = v[4], D5 = v[5] };
    }

    /// <summary>
    /// Runs body(offsets, innerDims, innerStrides...) once per index of the dims beyond the innermost six,
    /// so kernels see at most six dims; offsets[k] is stride set k's start for that index.
    /// </summary>
    public static void ForLeading(List<long> dims, List<long>[] strides, Action<long[], List<long>, List<long>[]> body)
    {
        int lead = Math.Max(0, dims.Count - Rank);
        var innerDims = dims.GetRange(lead, dims.Count - lead);
        var innerStrides = strides.Select(s => s.GetRange(lead, s.Count - lead)).ToArray();
        long count = 1;
        for (int i = 0; i < lead; i++) count *= dims[i];
        for (long r = 0; r < count; r++)
        {
            var offsets = new long[strides.Length];
            long rem = r;
            for (int i = lead - 1; i >= 0; i--)
            {
                long q = rem % dims[i];
                rem /= dims[i];
                for (int k = 0; k < strides.Length; k++) offsets[k] += q * strides[k][i];
            }
            body(offsets, innerDims, innerStrides);
        }
    }

    /// <summary>
    /// Offsets in 32-bit arithmetic: GPUs emulate 64-bit division in software (tens of instructions),
    /// which made index math, not memory, the cost of large permutes. Valid when <see cref="FitsInt"/>.
    /// </summary>
    public static void Offsets32(int i, Dims6 d, Dims6 sa, Dims6 sb, out long oa, out long ob)
    {
        int q, d5 = (int)d.D5, d4 = (int)d.D4, d3 = (int)d.D3, d2 = (int)d.D2, d1 = (int)d.D1;
        q = i % d5; i /= d5; int a = q * (int)sa.D5, b = q * (int)sb.D5;
        q = i % d4; i /= d4; a += q * (int)sa.D4; b += q * (int)sb.D4;
        q = i % d3; i /= d3; a += q * (int)sa.D3; b += q * (int)sb.D3;
        q = i % d2; i /= d2; a += q * (int)sa.D2; b += q * (int)sb.D2;
        q = i % d1; i /= d1; a += q * (int)sa.D1; b += q * (int)sb.D1;
        oa = a + i * (int)sa.D0;
        ob = b + i * (int)sb.D0;
    }

    /// <summary>Whether every offset a stride set reaches over dims stays below 2^31 (then <see cref="Offsets32"/> is exact).</summary>
    public static bool FitsInt(IReadOnlyList<long> dims, params IReadOnlyList<long>[] strides)
    {
        foreach (var s in strides)
        {
            long max = 0;
            for (int k = 0; k < dims.Count; k++) max += Math.Max(0, dims[k] - 1) * Math.Abs(s[k]);
            if (max >= int.MaxValue) return false;
        }
        return true;
    }

    /// <summary>Offsets of linear index i (over dims d) under two stride sets.</summary>
    public static void Offsets(long i, Dims6 d, Dims6 sa, Dims6 sb, out long oa, out long ob)
    {
        long q;
        q = i % d.D5; i /= d.D5; oa = q * sa.D5; ob = q * sb.D5;
        q = i % d.D4; i /= d.D4; oa += q * sa.D4; ob += q * sb.D4;
        q = i % d.D3; i /= d.D3; oa += q * sa.D3; ob += q * sb.D3;
        q = i % d.D2; i /= d.D2; oa += q * sa.D2; ob += q * sb.D2;
        q = i % d.D1; i /= d.D1; oa += q * sa.D1; ob += q * sb.D1;
        oa += i * sa.D0; ob += i * sb.D0;
    }
}

/// <summary>Broadcast binary op: y's collapsed dims and a's and b's element strides along them.</summary>
public struct BroadcastArgs
{
    public Dims6 Dims, StrideA, StrideB;
    /// <summary>Narrow ≠ 0: offsets fit in 32 bits (see Dims6.Offsets32).</summary>
    public int Op, Narrow;
}

/// <summary>Strided copy: dims and strides, base offsets into the whole buffers, and the write mode (0 set, 1 add, 2 atomic add).</summary>
public struct CopyArgs
{
    public Dims6 Dims, StrideX, StrideY;
    public long OffsetX, OffsetY;
    /// <summary>Narrow ≠ 0: offsets fit in 32 bits (see Dims6.Offsets32).</summary>
    public int Mode, Narrow;
}

/// <summary>x viewed as [outer, n, inner].</summary>
public struct ReduceArgs
{
    /// <summary>Divisor is what a mean divides by: N, or the original row count when N counts chunk partials.</summary>
    public int Outer, N, Inner, Op, WriteIndex, Divisor;
    /// <summary>1: Sum and Mean add into y.</summary>
    public int Accumulate;
}

/// <summary>One launch of a batched GEMM: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] + bias.</summary>
public struct GemmArgs
{
    /// <summary>Lda/Ldb/Ldc: elements between stored rows of A, B, C (see GemmShape).</summary>
    public int M, N, K, TransA, TransB, HasBias, Lda, Ldb, Ldc;
    public long StrideA, StrideB, StrideC, BatchBase;
    public float Alpha, Beta;
    /// <summary>&gt; 0: split-K, batch item z multiplies depths [z·K, min((z + 1)·K, KTotal)) (its A and B strides step there).</summary>
    public int KTotal;
}

/// <summary>A piece of one segment of flat optimiser buffers: the work of one group.</summary>
public struct SegmentPiece
{
    public long Start;
    public int Segment, Length;
}

/// <summary>One parameter's AdamW scalars (see AdamWSegment); ClipIndex picks its entry of the sum of squares.</summary>
public struct AdamSegmentArgs
{
    public float StepSize, InvSqrtBc2, Decay;
    public int ClipIndex;
}

/// <summary>What every segment of an AdamW pass shares; Clip and Ema are 1 when folded in.</summary>
public struct AdamPassArgs
{
    public float Beta1, Beta2, Eps, ClipMaxNorm, Momentum;
    public int Clip, Ema;
}

/// <summary>Bicubic grid sample: input [N,C,H,W], grid [N,Ho,Wo,2].</summary>
public struct GridArgs
{
    public int N, C, H, W, Ho, Wo;
}

/// <summary>A strided attention operand (see HeadView): its start in the whole buffer and its element strides.</summary>
public struct HeadStrides
{
    public long Offset, Batch, Head;
    public int Row;

    /// <summary>Row i of (batch b, head h).</summary>
    public readonly long At(int b, int h, int i) => Offset + b * Batch + h * Head + (long)i * Row;
}

/// <summary>
/// The own-key terms of reference-token attention, over rows r = (b, h, i) of [B, H, Lq]; the
/// own-key column of the probabilities (or their gradient) [B·H·Lq, Cols] is the last.
/// </summary>
public struct RefRowArgs
{
    public HeadStrides X, Y;
    public long ProbsOffset;
    /// <summary>Accumulate ≠ 0 adds into y instead of overwriting it.</summary>
    public int Heads, Lq, HeadDim, Cols, Accumulate;
    public float Alpha;
}
