using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

/// <summary>
/// Attention as batched GEMMs plus row kernels, through the saved probabilities [B, H, Lq, cols]
/// (a flash-style fused kernel is a later optimisation). Operands are read and written in place
/// through their strides, so a packed qkv needs no head split and the output no merge.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>A GEMM operand per (batch, head): start in the whole buffer, item strides, leading dimension.</summary>
    private readonly record struct HeadOperand(ArrayView<float> Data, long Offset, long BatchStride, long HeadStride, int Ld);

    private static HeadOperand Operand(in HeadView v) => new(Whole(v.Data), v.Data.Offset + v.Offset, v.BatchStride, v.HeadStride, v.RowStride);

    /// <summary>A contiguous [B, H, Lq, cols] block (probabilities or their gradient).</summary>
    private static HeadOperand Scores(ArrayView<float> data, long offset, in AttentionShape s, int cols) =>
        new(data, offset, (long)s.Heads * s.Lq * cols, (long)s.Lq * cols, cols);

    private static HeadStrides Strides(in HeadView v) =>
        new() { Offset = v.Data.Offset + v.Offset, Batch = v.BatchStride, Head = v.HeadStride, Row = v.RowStride };

    /// <summary>
    /// C = alpha·op(A)·op(B) ([m, n], inner k) for every (batch, head). One batched GEMM over B·H items when
    /// each operand's heads are evenly spaced through its batch items (contiguous [B, H, L, Dh]); else, as for
    /// a packed qkv (heads Dh apart inside a row), one batched GEMM over B items per head.
    /// </summary>
    private void HeadGemm(in AttentionShape s, in HeadOperand a, bool transA, in HeadOperand b, bool transB, in HeadOperand c, int m, int n, int k, float alpha,
        bool accumulate = false)
    {
        int heads = s.Heads;
        static bool Even(in HeadOperand o, int heads) => o.BatchStride == heads * o.HeadStride;
        if (heads == 1 || s.Batch == 1 || (Even(a, heads) && Even(b, heads) && Even(c, heads)))
        {
            static long Step(in HeadOperand o, int heads) => heads == 1 ? o.BatchStride : o.HeadStride;
            var all = new GemmShape(s.Batch * heads, m, n, k, transA, transB, Step(a, heads), Step(b, heads), Step(c, heads)) { Lda = a.Ld, Ldb = b.Ld, Ldc = c.Ld };
            Gemm(a.Data, a.Offset, b.Data, b.Offset, null, c.Data, c.Offset, all, alpha, accumulate ? 1f : 0f);
            return;
        }
        var perHead = new GemmShape(s.Batch, m, n, k, transA, transB, a.BatchStride, b.BatchStride, c.BatchStride) { Lda = a.Ld, Ldb = b.Ld, Ldc = c.Ld };
        for (int h = 0; h < heads; h++)
            Gemm(a.Data, a.Offset + h * a.HeadStride, b.Data, b.Offset + h * b.HeadStride, null, c.Data, c.Offset + h * c.HeadStride, perHead, alpha, accumulate ? 1f : 0f);
    }

    public void Attention(in AttentionShape s, in QkvViews x, Tensor? mask, float scale, in HeadView output, Tensor probs)
    {
        long rows = (long)s.Batch * s.Heads * s.Lq;
        var p = Scores(Whole(probs), probs.Offset, s, s.Lk);
        // P = Q·Kᵀ·scale, then + mask and softmax per row, then O = P·V (Lk = 0 gives O = 0).
        HeadGemm(s, Operand(x.Q), false, Operand(x.K), true, p, s.Lq, s.Lk, s.HeadDim, scale);
        if (rows > 0 && s.Lk > 0)
            K.MaskedSoftmax(Rows(rows, s.Lk), V(probs), mask is null ? V(probs) : V(mask), s.Lq, s.Lk, mask is null ? 0 : 1);
        HeadGemm(s, p, false, Operand(x.V), false, Operand(output), s.Lq, s.HeadDim, s.Lk, 1f);
    }

    public void AttentionBackward(in AttentionShape s, in QkvViews x, Tensor probs, in HeadView dOutput, float scale, in QkvViews dx, bool accumulate = false)
    {
        long rows = (long)s.Batch * s.Heads * s.Lq;
        int lq = s.Lq, lk = s.Lk, dh = s.HeadDim;
        var p = Scores(Whole(probs), probs.Offset, s, lk);
        // dV = Pᵀ·dO (Lq = 0 gives dV = 0)
        HeadGemm(s, p, true, Operand(dOutput), false, Operand(dx.V), lk, dh, lq, 1f, accumulate);
        var dp = Pool.Rent(Math.Max(rows * lk, 1));
        var dpView = ((IlgpuBuffer)dp).Memory.View;
        var dS = Scores(dpView, 0, s, lk);
        // dP = dO·Vᵀ, then dS = P ∘ (dP − Σ dP·P) in place
        HeadGemm(s, Operand(dOutput), false, Operand(x.V), true, dS, lq, lk, dh, 1f);
        if (rows > 0 && lk > 0) K.SoftmaxGradInPlace(Rows(rows, lk), V(probs), dpView.SubView(0, rows * lk), lk);
        // dQ = dS·K·scale ; dK = dSᵀ·Q·scale
        HeadGemm(s, dS, false, Operand(x.K), false, Operand(dx.Q), lq, dh, lk, scale, accumulate);
        HeadGemm(s, dS, true, Operand(x.Q), false, Operand(dx.K), lk, dh, lq, scale, accumulate);
        Pool.Return(dp);
    }

    public void RefAttention(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, float scale, in HeadView output, Tensor probs)
    {
        long rows = (long)s.Batch * s.Heads * s.Lq;
        if (rows == 0) return;
        int cols = s.Lk + 1;
        var p = Scores(Whole(probs), probs.Offset, s, cols);
        // P[:, :Lk] = Q·Kpᵀ·scale, P[:, Lk] = q·k_own·scale, softmax per row
        HeadGemm(s, Operand(refs.Q), false, Operand(patchK), true, p, s.Lq, s.Lk, s.HeadDim, scale);
        K.RefOwnDot(Count(rows), Whole(refs.Q.Data), Whole(refs.K.Data), Whole(probs), OwnArgs(s, refs.Q, refs.K, probs.Offset, scale, false));
        K.MaskedSoftmax(Rows(rows, cols), V(probs), V(probs), s.Lq, cols, 0);
        // O = P[:, :Lk]·Vp (Lk = 0 gives 0), then += P[:, Lk]·v_own
        HeadGemm(s, p, false, Operand(patchV), false, Operand(output), s.Lq, s.HeadDim, s.Lk, 1f);
        if (s.HeadDim > 0)
            K.RefOwnScale(Count(rows * s.HeadDim), Whole(probs), Whole(refs.V.Data), Whole(output.Data), OwnArgs(s, refs.V, output, probs.Offset, 1f, true));
    }

    public void RefAttentionBackward(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, Tensor probs, in HeadView dOutput, float scale,
        in QkvViews dRefs, in HeadView dPatchK, in HeadView dPatchV, bool accumulatePatches = false)
    {
        long rows = (long)s.Batch * s.Heads * s.Lq;
        int lq = s.Lq, lk = s.Lk, dh = s.HeadDim, cols = lk + 1;
        var p = Scores(Whole(probs), probs.Offset, s, cols);
        // dVp = P[:, :Lk]ᵀ·dO (Lq = 0 gives dVp = 0)
        HeadGemm(s, p, true, Operand(dOutput), false, Operand(dPatchV), lk, dh, lq, 1f, accumulatePatches);
        var dp = Pool.Rent(Math.Max(rows * cols, 1));
        var dpView = ((IlgpuBuffer)dp).Memory.View;
        var dS = Scores(dpView, 0, s, cols);
        // dP[:, :Lk] = dO·Vpᵀ
        HeadGemm(s, Operand(dOutput), false, Operand(patchV), true, dS, lq, lk, dh, 1f);
        if (rows > 0)
        {
            // dP[:, Lk] = dO·v_own ; dv_own = p_own·dO ; dS = P ∘ (dP − Σ dP·P) in place
            K.RefOwnDot(Count(rows), Whole(dOutput.Data), Whole(refs.V.Data), dpView, OwnArgs(s, dOutput, refs.V, 0, 1f, false));
            if (dh > 0) K.RefOwnScale(Count(rows * dh), Whole(probs), Whole(dOutput.Data), Whole(dRefs.V.Data), OwnArgs(s, dOutput, dRefs.V, probs.Offset, 1f, false));
            K.SoftmaxGradInPlace(Rows(rows, cols), V(probs), dpView.SubView(0, rows * cols), cols);
        }
        // dQ = dS[:, :Lk]·Kp·scale + dS[:, Lk]·k_own·scale ; dKp = dS[:, :Lk]ᵀ·Q·scale ; dk_own = dS[:, Lk]·q·scale
        HeadGemm(s, dS, false, Operand(patchK), false, Operand(dRefs.Q), lq, dh, lk, scale);
        HeadGemm(s, dS, true, Operand(refs.Q), false, Operand(dPatchK), lk, dh, lq, scale, accumulatePatches);
        if (rows > 0 && dh > 0)
        {
            K.RefOwnScale(Count(rows * dh), dpView, Whole(refs.K.Data), Whole(dRefs.Q.Data), OwnArgs(s, refs.K, dRefs.Q, 0, scale, true));
            K.RefOwnScale(Count(rows * dh), dpView, Whole(refs.Q.Data), Whole(dRefs.K.Data), OwnArgs(s, refs.Q, dRefs.K, 0, scale, false));
        }
        Pool.Return(dp);
    }

    private static RefRowArgs OwnArgs(in AttentionShape s, in HeadView x, in HeadView y, long probsOffset, float alpha, bool accumulate) => new()
    {
        X = Strides(x), Y = Strides(y), ProbsOffset = probsOffset,
        Heads = s.Heads, Lq = s.Lq, HeadDim = s.HeadDim, Cols = s.Lk + 1, Accumulate = accumulate ? 1 : 0, Alpha = alpha,
    };
}
