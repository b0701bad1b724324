using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// op(a) · op(b) over the last two axes, op = transpose when asked. a is [..., m, k] (or
    /// [..., k, m]); b is [k, n] (shared by every batch item) or has a's batch dims.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false) =>
        MatMulFunction.Apply(a, b, transA, transB);
}

internal sealed class MatMulFunction : Function
{
    private Tensor a = null!, b = null!;
    private bool transA, transB, sharedB;
    private int batch, m, n, k;

    public static Tensor Apply(Tensor a, Tensor b, bool transA, bool transB)
    {
        Check.SameBackend("MatMul", a, b);
        Check.Rank("MatMul", "a", a, 2);
        Check.Rank("MatMul", "b", b, 2);
        int m = transA ? a.Shape[^1] : a.Shape[^2], ka = transA ? a.Shape[^2] : a.Shape[^1];
        int kb = transB ? b.Shape[^1] : b.Shape[^2], n = transB ? b.Shape[^2] : b.Shape[^1];
        if (ka != kb)
            throw new ArgumentException($"MatMul: a {a.Shape}{(transA ? "ᵀ" : "")}, b {b.Shape}{(transB ? "ᵀ" : "")}: {ka} != {kb}");
        bool sharedB = b.Rank == 2;
        if (!sharedB && (b.Rank != a.Rank || a.Shape.Product(0, a.Rank - 2) != b.Shape.Product(0, b.Rank - 2)
            || !a.Shape.Dims[..^2].SequenceEqual(b.Shape.Dims[..^2])))
            throw new ArgumentException($"MatMul: batch dims of a {a.Shape} and b {b.Shape} differ (b must be 2-D or match a)");
        int batch = checked((int)a.Shape.Product(0, a.Rank - 2));
        var outDims = a.Shape.ToArray();
        outDims[^2] = m;
        outDims[^1] = n;
        var c = Tensor.Empty(a.Backend, outDims);
        var shape = new GemmShape(batch, m, n, ka, transA, transB, (long)m * ka, sharedB ? 0 : (long)ka * n, (long)m * n);
        a.Backend.MatMul(a, b, null, shape, 1f, 0f, c);
        var fn = new MatMulFunction { a = a, b = b, transA = transA, transB = transB, sharedB = sharedB, batch = batch, m = m, n = n, k = ka };
        return fn.Record(c, a, b);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        Tensor? da = null, db = null;
        var be = g.Backend;
        long sA = (long)m * k, sB = sharedB ? 0 : (long)k * n, sC = (long)m * n;
        if (NeedsGrad(0))
        {
            da = Tensor.Empty(be, a.Shape);
            if (!transA) // dA[m,k] = dC[m,n] · op(B)ᵀ
                be.MatMul(g, b, null, new GemmShape(batch, m, k, n, false, !transB, sC, sB, sA), 1f, 0f, da);
            else // dA[k,m] = op(B)[k,n] · dCᵀ
                be.MatMul(b, g, null, new GemmShape(batch, k, m, n, transB, true, sB, sC, sA), 1f, 0f, da);
        }
        if (NeedsGrad(1))
        {
            db = Tensor.Empty(be, b.Shape);
            if (!sharedB) BatchedWeightGrad(g, db, batch, sA, sB, sC);
            else if (!transB && !transA) // all rows share B: one GEMM over the flattened batch
                be.MatMul(a, g, null, new GemmShape(1, k, n, batch * m, true, false, 0, 0, 0), 1f, 0f, db);
            else if (transB && !transA)
                be.MatMul(g, a, null, new GemmShape(1, n, k, batch * m, true, false, 0, 0, 0), 1f, 0f, db);
            else
            {
                // transA with a shared B cannot be flattened: accumulate one batch item at a time.
                be.Fill(db, 0f);
                for (int i = 0; i < batch; i++)
                {
                    using var ai = a.View(i * sA, [transA ? k : m, transA ? m : k]);
                    using var gi = g.View(i * sC, [m, n]);
                    if (!transB) be.MatMul(ai, gi, null, new GemmShape(1, k, n, m, !transA, false, 0, 0, 0), 1f, 1f, db);
                    else be.MatMul(gi, ai, null, new GemmShape(1, n, k, m, true, transA, 0, 0, 0), 1f, 1f, db);
                }
            }
        }
        return [da, db];
    }

    private void BatchedWeightGrad(Tensor g, Tensor db, int batch, long sA, long sB, long sC)
    {
        var be = g.Backend;
        if (!transB) // dB[k,n] = op(A)ᵀ · dC
            be.MatMul(a, g, null, new GemmShape(batch, k, n, m, !transA, false, sA, sC, sB), 1f, 0f, db);
        else // dB[n,k] = dCᵀ · op(A)
            be.MatMul(g, a, null, new GemmShape(batch, n, k, m, true, transA, sC, sA, sB), 1f, 0f, db);
    }
}
