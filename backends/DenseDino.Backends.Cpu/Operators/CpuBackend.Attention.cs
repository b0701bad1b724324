using System.Numerics.Tensors;
using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

/// <summary>
/// Attention per (batch, head) slice, slices spread over threads; each slice runs its GEMMs
/// single-threaded (<see cref="SliceGemm"/>) on a cache-resident score block whose rows are padded
/// to 16, reading q, k, v in place (a packed qkv row is a pointer offset plus a leading dimension).
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>A <see cref="HeadView"/> resolved to a pointer (lambdas cannot capture in-parameters).</summary>
    private readonly struct HeadPtr(in HeadView v)
    {
        private readonly float* data = Ptr(v.Data) + v.Offset;
        private readonly long batchStride = v.BatchStride, headStride = v.HeadStride;
        public readonly int Ld = v.RowStride;

        /// <summary>Row 0 of (batch b, head h).</summary>
        public float* At(int b, int h) => data + b * batchStride + h * headStride;
        public Span<float> Row(float* slice, int i, int dh) => new(slice + (long)i * Ld, dh);
    }

    public void Attention(in AttentionShape s, in QkvViews x, Tensor? mask, float scale, in HeadView output, Tensor probs)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, lkp = RoundUp16(lk);
        HeadPtr pq = new(x.Q), pk = new(x.K), pv = new(x.V), po = new(output);
        float* pp = Ptr(probs);
        float* pm = mask is null ? null : Ptr(mask);
        // scratch: Kᵀ [dh, lkp] | scores [lq, lkp] | one packed A panel
        ForWithScratch(s.Batch * heads, 4L * lq * lk * dh, (dh + lq) * lkp + SliceGemm.ScratchFor(Math.Max(dh, lk)), (scratch, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), K = pk.At(b, h), V = pv.At(b, h), O = po.At(b, h);
            float* P = pp + (long)bh * lq * lk, Kt = scratch, S = Kt + dh * lkp, pack = S + lq * lkp;
            // P = softmax(Q·Kᵀ·scale + mask) ; O = P·V
            SliceGemm.Transpose(K, lk, dh, pk.Ld, Kt, lkp);
            SliceGemm.Run(lq, lkp, dh, scale, Q, pq.Ld, false, Kt, lkp, S, lkp, false, pack);
            for (int i = 0; i < lq; i++) RowSoftmax.Forward(S + i * lkp, pm == null ? null : pm + (long)i * lk, P + (long)i * lk, lk);
            SliceGemm.Run(lq, dh, lk, 1f, P, lk, false, V, pv.Ld, O, po.Ld, false, pack);
        });
    }

    public void AttentionBackward(in AttentionShape s, in QkvViews x, Tensor probs, in HeadView dOutput, float scale, in QkvViews dx, bool accumulate = false)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, lkp = RoundUp16(lk);
        HeadPtr pq = new(x.Q), pk = new(x.K), pv = new(x.V), pdo = new(dOutput), pdq = new(dx.Q), pdk = new(dx.K), pdv = new(dx.V);
        float* pp = Ptr(probs);
        // scratch: Vᵀ [dh, lkp] | dP then dS [lq, lkp] | one packed A panel
        ForWithScratch(s.Batch * heads, 8L * lq * lk * dh, (dh + lq) * lkp + SliceGemm.ScratchFor(Math.Max(Math.Max(dh, lk), lq)), (scratch, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), K = pk.At(b, h), V = pv.At(b, h), dO = pdo.At(b, h);
            float* dQ = pdq.At(b, h), dK = pdk.At(b, h), dV = pdv.At(b, h);
            float* P = pp + (long)bh * lq * lk, Vt = scratch, dP = Vt + dh * lkp, pack = dP + lq * lkp;
            // dV = Pᵀ·dO ; dP = dO·Vᵀ ; dS = softmax backward of dP
            SliceGemm.Run(lk, dh, lq, 1f, P, lk, true, dO, pdo.Ld, dV, pdv.Ld, accumulate, pack);
            SliceGemm.Transpose(V, lk, dh, pv.Ld, Vt, lkp);
            SliceGemm.Run(lq, lkp, dh, 1f, dO, pdo.Ld, false, Vt, lkp, dP, lkp, false, pack);
            for (int i = 0; i < lq; i++) RowSoftmax.Backward(P + (long)i * lk, dP + i * lkp, dP + i * lkp, lk);
            // dQ = dS·K·scale ; dK = dSᵀ·Q·scale
            SliceGemm.Run(lq, dh, lk, scale, dP, lkp, false, K, pk.Ld, dQ, pdq.Ld, accumulate, pack);
            SliceGemm.Run(lk, dh, lq, scale, dP, lkp, true, Q, pq.Ld, dK, pdk.Ld, accumulate, pack);
        });
    }

    public void RefAttention(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, float scale, in HeadView output, Tensor probs)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, cols = lk + 1, lkp = RoundUp16(cols);
        HeadPtr pq = new(refs.Q), pk = new(refs.K), pv = new(refs.V), pkp = new(patchK), pvp = new(patchV), po = new(output);
        float* pp = Ptr(probs);
        ForWithScratch(s.Batch * heads, 4L * lq * cols * dh, (dh + lq) * lkp + SliceGemm.ScratchFor(Math.Max(dh, lk)), (scratch, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), Kr = pk.At(b, h), Vr = pv.At(b, h), Kp = pkp.At(b, h), Vp = pvp.At(b, h), O = po.At(b, h);
            float* P = pp + (long)bh * lq * cols, Kt = scratch, S = Kt + dh * lkp, pack = S + lq * lkp;
            // S[:, :Lk] = Q·Kpᵀ·scale, S[:, Lk] = q·k_own·scale, P = softmax per row.
            SliceGemm.Transpose(Kp, lk, dh, pkp.Ld, Kt, lkp);
            SliceGemm.Run(lq, lkp, dh, scale, Q, pq.Ld, false, Kt, lkp, S, lkp, false, pack);
            for (int i = 0; i < lq; i++)
            {
                S[i * lkp + lk] = scale * TensorPrimitives.Dot(pq.Row(Q, i, dh), pk.Row(Kr, i, dh));
                RowSoftmax.Forward(S + i * lkp, null, P + (long)i * cols, cols);
            }
            // O = P[:, :Lk]·Vp + P[:, Lk]·v_own
            SliceGemm.Run(lq, dh, lk, 1f, P, cols, false, Vp, pvp.Ld, O, po.Ld, false, pack);
            for (int i = 0; i < lq; i++)
            {
                var o = po.Row(O, i, dh);
                TensorPrimitives.MultiplyAdd(pv.Row(Vr, i, dh), P[(long)i * cols + lk], o, o);
            }
        });
    }

    public void RefAttentionBackward(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, Tensor probs, in HeadView dOutput, float scale,
        in QkvViews dRefs, in HeadView dPatchK, in HeadView dPatchV, bool accumulatePatches = false)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, cols = lk + 1, lkp = RoundUp16(cols);
        HeadPtr pq = new(refs.Q), pk = new(refs.K), pv = new(refs.V), pkp = new(patchK), pvp = new(patchV), pdo = new(dOutput);
        HeadPtr pdq = new(dRefs.Q), pdk = new(dRefs.K), pdv = new(dRefs.V), pdkp = new(dPatchK), pdvp = new(dPatchV);
        float* pp = Ptr(probs);
        ForWithScratch(s.Batch * heads, 8L * lq * cols * dh, (dh + lq) * lkp + SliceGemm.ScratchFor(Math.Max(Math.Max(dh, lk), lq)), (scratch, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), Kr = pk.At(b, h), Vr = pv.At(b, h), Kp = pkp.At(b, h), Vp = pvp.At(b, h), dO = pdo.At(b, h);
            float* dQ = pdq.At(b, h), dKr = pdk.At(b, h), dVr = pdv.At(b, h), dKp = pdkp.At(b, h), dVp = pdvp.At(b, h);
            float* P = pp + (long)bh * lq * cols, Vt = scratch, dP = Vt + dh * lkp, pack = dP + lq * lkp;
            // dVp = P[:, :Lk]ᵀ·dO ; dP[:, :Lk] = dO·Vpᵀ
            SliceGemm.Run(lk, dh, lq, 1f, P, cols, true, dO, pdo.Ld, dVp, pdvp.Ld, accumulatePatches, pack);
            SliceGemm.Transpose(Vp, lk, dh, pvp.Ld, Vt, lkp);
            SliceGemm.Run(lq, lkp, dh, 1f, dO, pdo.Ld, false, Vt, lkp, dP, lkp, false, pack);
            for (int i = 0; i < lq; i++)
            {
                var dOi = pdo.Row(dO, i, dh);
                // the own value: dv_own = p_own·dO ; dP[:, Lk] = dO·v_own
                TensorPrimitives.Multiply(dOi, P[(long)i * cols + lk], pdv.Row(dVr, i, dh));
                dP[i * lkp + lk] = TensorPrimitives.Dot(dOi, pv.Row(Vr, i, dh));
                RowSoftmax.Backward(P + (long)i * cols, dP + i * lkp, dP + i * lkp, cols);
            }
            // dQ = dS[:, :Lk]·Kp·scale + dS[:, Lk]·k_own·scale ; dKp = dS[:, :Lk]ᵀ·Q·scale ; dk_own = dS[:, Lk]·q·scale
            SliceGemm.Run(lq, dh, lk, scale, dP, lkp, false, Kp, pkp.Ld, dQ, pdq.Ld, false, pack);
            SliceGemm.Run(lk, dh, lq, scale, dP, lkp, true, Q, pq.Ld, dKp, pdkp.Ld, accumulatePatches, pack);
            for (int i = 0; i < lq; i++)
            {
                float ds = scale * dP[i * lkp + lk];
                var dq = pdq.Row(dQ, i, dh);
                TensorPrimitives.MultiplyAdd(pk.Row(Kr, i, dh), ds, dq, dq);
                TensorPrimitives.Multiply(pq.Row(Q, i, dh), ds, pdk.Row(dKr, i, dh));
            }
        });
    }

    private static int RoundUp16(int n) => (n + 15) & ~15;

    private delegate void ScratchBody(float* scratch, int item);

    /// <summary>
    /// body(scratch, i) for every i in [0, count) across threads, each thread with one scratch block of
    /// scratchLength floats, rented rather than allocated: the attention kernels run for every block
    /// of every training step.
    /// </summary>
    private void ForWithScratch(int count, long costPerItem, int scratchLength, ScratchBody body) =>
        CpuParallel.ForRange(count, Threads, costPerItem, (start, end) =>
        {
            var scratch = System.Buffers.ArrayPool<float>.Shared.Rent(Math.Max(scratchLength, 1));
            try
            {
                fixed (float* p = scratch)
                    for (int i = start; i < end; i++) body(p, i);
            }
            finally { System.Buffers.ArrayPool<float>.Shared.Return(scratch); }
        });
}
