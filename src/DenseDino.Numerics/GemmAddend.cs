namespace DenseDino.Numerics;

/// <summary>
/// The MatMul addend (C = alpha·op(A)·op(B) + beta·addend + bias) for backends whose GEMM reads and writes
/// one C: the addend (plus the bias, when beta is 1) is written into C in one pass first.
/// </summary>
public static class GemmAddend
{
    /// <summary>True when the addend is a separate tensor that contributes (not C itself, beta ≠ 0); checks it is shaped like a dense C.</summary>
    public static bool Applies(Tensor? addend, in GemmShape s, float beta, Tensor c)
    {
        if (addend is null || beta == 0f || (ReferenceEquals(addend.Storage, c.Storage) && addend.Offset == c.Offset)) return false;
        long dense = (long)s.Batch * s.M * s.N;
        if (s.Ldc != s.N || (s.Batch > 1 && s.StrideC != (long)s.M * s.N) || addend.Length != dense || c.Length != dense)
            throw new ArgumentException($"MatMul: an addend needs a dense C ({s.Batch}x{s.M}x{s.N}, ldc {s.Ldc}); addend has {addend.Length} elements, C {c.Length}");
        Check.SameBackend("MatMul", c, addend, "c", "addend");
        return true;
    }

    /// <summary>Writes beta·addend (+ bias) into C, then runs the product onto it.</summary>
    public static void ThroughC(IBackend backend, Tensor a, Tensor b, Tensor? bias, in GemmShape s, float alpha, float beta, Tensor c, Tensor addend)
    {
        if (bias is not null && beta == 1f && addend.Shape == c.Shape && c.Shape.Rank > 0 && c.Shape[^1] == s.N)
        {
            backend.Binary(BinaryOp.Add, addend, bias, c);
            backend.MatMul(a, b, null, s, alpha, 1f, c);
            return;
        }
        backend.Copy(addend, c);
        backend.MatMul(a, b, bias, s, alpha, beta, c);
    }
}
