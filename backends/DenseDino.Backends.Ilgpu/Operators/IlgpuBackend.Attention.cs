using DenseDino.Numerics;

namespace DenseDino.Backends.Ilgpu;

/// <summary>
/// Attention as batched GEMMs plus row kernels, through the saved probabilities
/// (a flash-style fused kernel is a later optimisation). q [.., Lq, Dh], k/v [.., Lk, Dh].
/// </summary>
public sealed partial class IlgpuBackend
{
    private static int Leading(Tensor t)
    {
        int n = 1;
        for (int i = 0; i < t.Rank - 2; i++) n *= t.Shape[i];
        return n;
    }

    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale, Tensor output, Tensor probs)
    {
        int bh = Leading(q), lq = q.Shape[^2], dh = q.Shape[^1], lk = k.Shape[^2];
        if (bh == 0 || lq == 0) return;
        if (lk == 0)
        {
            Fill(output, 0f);
            return;
        }
        // P = Q·Kᵀ·scale, then + mask and softmax per row, then O = P·V.
        Gemm(Whole(q), q.Offset, Whole(k), k.Offset, null, Whole(probs), probs.Offset,
            new GemmShape(bh, lq, lk, dh, false, true, (long)lq * dh, (long)lk * dh, (long)lq * lk), scale, 0f);
        K.MaskedSoftmax(Rows((long)bh * lq, lk), V(probs), mask is null ? V(probs) : V(mask), lq, lk, mask is null ? 0 : 1);
        Gemm(Whole(probs), probs.Offset, Whole(v), v.Offset, null, Whole(output), output.Offset,
            new GemmShape(bh, lq, dh, lk, false, false, (long)lq * lk, (long)lk * dh, (long)lq * dh), 1f, 0f);
    }

    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dOutput, float scale, Tensor dq, Tensor dk, Tensor dv)
    {
        int bh = Leading(q), lq = q.Shape[^2], dh = q.Shape[^1], lk = k.Shape[^2];
        if (bh == 0) return;
        if (lq == 0 || lk == 0)
        {
            Fill(dq, 0f);
            Fill(dk, 0f);
            Fill(dv, 0f);
            return;
        }
        long sq = (long)lq * dh, sk = (long)lk * dh, sp = (long)lq * lk;
        // dV = Pᵀ·dO
        Gemm(Whole(probs), probs.Offset, Whole(dOutput), dOutput.Offset, null, Whole(dv), dv.Offset,
            new GemmShape(bh, lk, dh, lq, true, false, sp, sq, sk), 1f, 0f);
        var dp = Pool.Rent((long)bh * sp);
        var dpView = ((IlgpuBuffer)dp).Memory.View;
        // dP = dO·Vᵀ, then dS = P ∘ (dP − Σ dP·P) in place
        Gemm(Whole(dOutput), dOutput.Offset, Whole(v), v.Offset, null, dpView, 0,
            new GemmShape(bh, lq, lk, dh, false, true, sq, sk, sp), 1f, 0f);
        K.SoftmaxGradInPlace(Rows((long)bh * lq, lk), V(probs), dpView.SubView(0, bh * sp), lk);
        // dQ = dS·K·scale ; dK = dSᵀ·Q·scale
        Gemm(dpView, 0, Whole(k), k.Offset, null, Whole(dq), dq.Offset, new GemmShape(bh, lq, dh, lk, false, false, sp, sk, sq), scale, 0f);
        Gemm(dpView, 0, Whole(q), q.Offset, null, Whole(dk), dk.Offset, new GemmShape(bh, lk, dh, lq, true, false, sp, sq, sk), scale, 0f);
        Pool.Return(dp);
    }
}
