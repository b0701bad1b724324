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

/// <summary>Hyper-parameters of one AdamW step; Step counts from 1.</summary>
public readonly record struct AdamWStep(float LearningRate, float Beta1, float Beta2, float Eps, float WeightDecay, int Step);
