using DenseDino.Backends.Ilgpu.Kernels;
namespace DenseDino.Backends.Ilgpu;

/// <summary>Fused row ops on [rows, dim] tensors: one group per row.</summary>
public sealed partial class IlgpuBackend
{
    private static int Dim(Tensor t) => t.Rank == 0 ? 1 : t.Shape[^1];
    private static long RowCount(Tensor t, int d) => d == 0 ? 0 : t.Length / d;

    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        int d = Dim(x);
        long rows = RowCount(x, d);
        if (rows == 0) return;
        K.LayerNorm(Rows(rows, d), V(x), V(gamma), V(beta), V(y), V(mean), V(rstd), d, eps);
    }

    public void LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, bool accumulateDx = false)
    {
        int d = Dim(x);
        long rows = RowCount(x, d);
        if (rows == 0) return;
        K.LayerNormBackward(Rows(rows, d), V(x), V(gamma), V(mean), V(rstd), V(dy), V(dx), d, accumulateDx ? 1 : 0);
        // Parameter grads: per column, sums over row chunks then over chunks, so the accumulation has no races.
        int chunks = checked((int)((rows + ReduceKernels.ColumnChunk - 1) / ReduceKernels.ColumnChunk));
        long count = (long)chunks * d;
        var partial = Pool.Rent(2 * count);
        var pg = ((IlgpuBuffer)partial).View(0, count);
        var pb = ((IlgpuBuffer)partial).View(count, count);
        K.LayerNormParamGradPartial(Count(count), V(x), V(mean), V(rstd), V(dy), pg, pb, checked((int)rows), d);
        K.SumChunks(ChunkSums(d, 1), pg, V(dgamma), chunks, d, 0, 1);
        K.SumChunks(ChunkSums(d, 1), pb, V(dbeta), chunks, d, 0, 1);
        Pool.Return(partial);
    }

    public void Softmax(Tensor x, bool log, Tensor y, Tensor? shift = null, float scale = 1f)
    {
        int d = Dim(x);
        long rows = RowCount(x, d);
        if (rows == 0) return;
        K.Softmax(Rows(rows, d), V(x), V(y), shift is null ? V(x) : V(shift), d, log ? 1 : 0, shift is null ? 0 : 1, scale);
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, bool log, Tensor dx)
    {
        int d = Dim(y);
        long rows = RowCount(y, d);
        if (rows == 0) return;
        K.SoftmaxBackward(Rows(rows, d), V(y), V(dy), V(dx), d, log ? 1 : 0);
    }

    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norm)
    {
        int d = Dim(x);
        long rows = RowCount(x, d);
        if (rows == 0) return;
        K.L2Normalize(Rows(rows, d), V(x), V(y), V(norm), d, eps);
    }

    public void L2NormalizeBackward(Tensor x, Tensor norm, Tensor dy, float eps, Tensor dx)
    {
        int d = Dim(x);
        long rows = RowCount(x, d);
        if (rows == 0) return;
        K.L2NormalizeBackward(Rows(rows, d), V(x), V(norm), V(dy), V(dx), d, eps);
    }

    public void WeightNorm(Tensor g, Tensor v, Tensor w, Tensor norm)
    {
        int d = Dim(v);
        long rows = v.Shape[0];
        if (rows == 0) return;
        K.WeightNorm(Rows(rows, d), V(g), V(v), V(w), V(norm), d);
    }

    public void WeightNormBackward(Tensor g, Tensor v, Tensor norm, Tensor dw, Tensor dg, Tensor dv)
    {
        int d = Dim(v);
        long rows = v.Shape[0];
        if (rows == 0) return;
        K.WeightNormBackward(Rows(rows, d), V(g), V(v), V(norm), V(dw), V(dg), V(dv), d);
    }

    public void SoftCrossEntropy(Tensor targets, Tensor logits, float scale, Tensor loss, Tensor logSumExp)
    {
        int k = Dim(logits);
        long rows = loss.Length;
        if (rows == 0) return;
        if (k == 0)
        {
            Fill(loss, 0f);
            Fill(logSumExp, float.NegativeInfinity);
            return;
        }
        K.SoftCrossEntropy(Rows(rows, k), V(targets), V(logits), V(loss), V(logSumExp), k, scale);
    }

    public void SoftCrossEntropyBackward(Tensor targets, Tensor logits, float scale, Tensor logSumExp, Tensor dloss, Tensor dlogits)
    {
        int k = Dim(logits);
        long rows = dloss.Length;
        if (rows == 0 || k == 0) return;
        K.SoftCrossEntropyBackward(Rows(rows, k), V(targets), V(logits), V(logSumExp), V(dloss), V(dlogits), k, scale);
    }
}
