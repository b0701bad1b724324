namespace DenseDino.Numerics;

/// <summary>Element-wise functions of one tensor; alpha is the op's scalar where it has one.</summary>
public enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Tanh, Relu, Gelu,
    /// <summary>x + alpha</summary>
    AddScalar,
    /// <summary>x · alpha</summary>
    MulScalar,
    /// <summary>x ^ alpha</summary>
    PowScalar,
}

public enum BinaryOp { Add, Sub, Mul, Div }

public enum ReduceOp { Sum, Mean, Max }

/// <summary>
/// Shape of a (batched) row-major GEMM: C[m,n] = op(A)[m,k] · op(B)[k,n].
/// A is stored [m,k] or, when TransA, [k,m]; B is [k,n] or, when TransB, [n,k].
/// Strides are elements between batch items; 0 reuses one matrix for every item.
/// Leading dimensions (elements between stored rows) default to the dense ones; set them
/// to address a matrix inside a wider one (a head's columns of a packed qkv row).
/// </summary>
public readonly record struct GemmShape(int Batch, int M, int N, int K, bool TransA, bool TransB, long StrideA, long StrideB, long StrideC)
{
    private readonly int lda, ldb, ldc; // 0 = dense

    public int Lda { get => lda > 0 ? lda : TransA ? M : K; init => lda = value; }
    public int Ldb { get => ldb > 0 ? ldb : TransB ? K : N; init => ldb = value; }
    public int Ldc { get => ldc > 0 ? ldc : N; init => ldc = value; }
    public double Flops => 2.0 * Batch * M * N * K;
}

/// <summary>Sizes of a multi-head attention: Lq queries and Lk keys per (batch item, head), HeadDim features each.</summary>
public readonly record struct AttentionShape(int Batch, int Heads, int Lq, int Lk, int HeadDim);

/// <summary>
/// One attention operand read (or written) in place: element (b, h, i, d) of a [Batch, Heads, Rows, HeadDim]
/// view lies at Offset + b·BatchStride + h·HeadStride + i·RowStride + d of Data (offsets relative to the
/// tensor). Contiguous [B, H, L, Dh] and a head's slice of a packed qkv [B, L, 3, H, Dh] are both such views.
/// </summary>
public readonly record struct HeadView(Tensor Data, long Offset, long BatchStride, long HeadStride, int RowStride)
{
    /// <summary>t [B, H, L, Dh], contiguous.</summary>
    public static HeadView Contiguous(Tensor t) =>
        new(t, 0, (long)t.Shape[1] * t.Shape[2] * t.Shape[3], (long)t.Shape[2] * t.Shape[3], t.Shape[3]);

    /// <summary>
    /// t [B, L, C] with head h's features at columns column + h·headDim, rows from firstRow on:
    /// a merged [B, L, H·Dh] output (column 0) or q, k, v of a packed qkv [B, L, 3·H·Dh] (column 0, D, 2D).
    /// </summary>
    public static HeadView Columns(Tensor t, int headDim, int column, int firstRow = 0)
    {
        int c = t.Shape[2];
        return new(t, (long)firstRow * c + column, (long)t.Shape[1] * c, headDim, c);
    }
}

/// <summary>Where q, k and v of an attention live (possibly three views of one packed tensor).</summary>
public readonly record struct QkvViews(HeadView Q, HeadView K, HeadView V)
{
    /// <summary>q, k, v of a packed qkv [B, L, 3, H, Dh] ([B, L, 3·D]), rows from firstRow on.</summary>
    public static QkvViews Packed(Tensor qkv, int heads, int firstRow = 0)
    {
        int d = qkv.Shape[2] / 3, dh = d / heads;
        return new(HeadView.Columns(qkv, dh, 0, firstRow), HeadView.Columns(qkv, dh, d, firstRow), HeadView.Columns(qkv, dh, 2 * d, firstRow));
    }
}

/// <summary>Hyper-parameters of one AdamW step; Step counts from 1.</summary>
public readonly record struct AdamWStep(float LearningRate, float Beta1, float Beta2, float Eps, float WeightDecay, int Step);

/// <summary>Elements [Start, Start + Length) of a flat buffer: one parameter of many.</summary>
public readonly record struct FlatSegment(long Start, long Length);

/// <summary>
/// One parameter's AdamW step inside flat buffers: elements [Start, Start + Length), its own scalars (each
/// parameter keeps its own step count, so a frozen one's bias correction lags) and ClipIndex, the entry of
/// <see cref="AdamWPass.ClipSumSquares"/> that clips its gradient.
/// </summary>
public readonly record struct AdamWSegment(long Start, long Length, float StepSize, float InvSqrtBc2, float Decay, int ClipIndex)
{
    /// <summary>torch.optim.AdamW's scalars: p·(1 − lr·wd) − lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps).</summary>
    public static AdamWSegment For(long start, long length, in AdamWStep step, int clipIndex = 0)
    {
        float lr = step.LearningRate;
        float bc1 = 1f - MathF.Pow(step.Beta1, step.Step), bc2 = 1f - MathF.Pow(step.Beta2, step.Step);
        return new(start, length, lr / bc1, 1f / MathF.Sqrt(bc2), 1f - lr * step.WeightDecay, clipIndex);
    }
}

/// <summary>
/// What every segment of one AdamW pass shares: the moments' decay rates and eps, DINO's per-parameter
/// clip (segment k's gradient is read scaled by min(1, ClipMaxNorm / (sqrt(ClipSumSquares[k.ClipIndex]) + 1e-6)),
/// never written) and the teacher's EMA of the updated parameter (Teacher = m·Teacher + (1 − m)·param, laid
/// out like param). Null tensors fold in nothing.
/// </summary>
public readonly record struct AdamWPass(float Beta1, float Beta2, float Eps, Tensor? ClipSumSquares = null, float ClipMaxNorm = 0f,
    Tensor? Teacher = null, float TeacherMomentum = 0f);

/// <summary>
/// What an AdamW pass may fold in, so that a training step reads each parameter's tensors once: DINO's
/// per-tensor gradient clip (the gradient as read is scaled by min(1, ClipMaxNorm / (sqrt(ClipSumSquares[ClipIndex])
/// + 1e-6)); the gradient tensor itself is not written) and the teacher's EMA of the updated parameter
/// (Teacher = TeacherMomentum·Teacher + (1 − TeacherMomentum)·param). The default folds in neither.
/// </summary>
public readonly record struct AdamWFusion(Tensor? ClipSumSquares = null, int ClipIndex = 0, float ClipMaxNorm = 0f,
    Tensor? Teacher = null, float TeacherMomentum = 0f);
