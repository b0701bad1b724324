using System.Numerics.Tensors;
using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

/// <summary>
/// Attention per (batch, head) slice, slices spread over threads; each slice runs its GEMMs
/// single-threaded on the cache-resident [Lq, Lk] score block, reading its operands in place
/// (a packed qkv row is a pointer offset plus a leading dimension).
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
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim;
        HeadPtr pq = new(x.Q), pk = new(x.K), pv = new(x.V), po = new(output);
        float* pp = Ptr(probs);
        float* pm = mask is null ? null : Ptr(mask);
        CpuParallel.For(s.Batch * heads, Threads, 4L * lq * lk * dh, bh =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), K = pk.At(b, h), V = pv.At(b, h), O = po.At(b, h);
            float* P = pp + (long)bh * lq * lk;
            // P = softmax(Q·Kᵀ·scale + mask)
            Sgemm.Run(1, lq, lk, dh, scale, Q, 0, pq.Ld, false, K, 0, pk.Ld, true, 0f, P, 0, lk, null, 1);
            for (int i = 0; i < lq; i++)
            {
                var row = new Span<float>(P + (long)i * lk, lk);
                if (pm != null) TensorPrimitives.Add(row, new ReadOnlySpan<float>(pm + (long)i * lk, lk), row);
                if (lk > 0) SoftmaxRow(row, row, log: false);
            }
            // O = P·V
            Sgemm.Run(1, lq, dh, lk, 1f, P, 0, lk, false, V, 0, pv.Ld, false, 0f, O, 0, po.Ld, null, 1);
        });
    }

    public void AttentionBackward(in AttentionShape s, in QkvViews x, Tensor probs, in HeadView dOutput, float scale, in QkvViews dx)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim;
        HeadPtr pq = new(x.Q), pk = new(x.K), pv = new(x.V), pdo = new(dOutput), pdq = new(dx.Q), pdk = new(dx.K), pdv = new(dx.V);
        float* pp = Ptr(probs);
        ForWithScratch(s.Batch * heads, 8L * lq * lk * dh, lq * lk, (dP, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), K = pk.At(b, h), V = pv.At(b, h), dO = pdo.At(b, h);
            float* dQ = pdq.At(b, h), dK = pdk.At(b, h), dV = pdv.At(b, h);
            float* P = pp + (long)bh * lq * lk;
            // dV = Pᵀ·dO ; dP = dO·Vᵀ
            Sgemm.Run(1, lk, dh, lq, 1f, P, 0, lk, true, dO, 0, pdo.Ld, false, 0f, dV, 0, pdv.Ld, null, 1);
            Sgemm.Run(1, lq, lk, dh, 1f, dO, 0, pdo.Ld, false, V, 0, pv.Ld, true, 0f, dP, 0, lk, null, 1);
            for (int i = 0; i < lq; i++) SoftmaxGradRow(new ReadOnlySpan<float>(P + (long)i * lk, lk), new Span<float>(dP + (long)i * lk, lk));
            // dQ = dS·K·scale ; dK = dSᵀ·Q·scale
            Sgemm.Run(1, lq, dh, lk, scale, dP, 0, lk, false, K, 0, pk.Ld, false, 0f, dQ, 0, pdq.Ld, null, 1);
            Sgemm.Run(1, lk, dh, lq, scale, dP, 0, lk, true, Q, 0, pq.Ld, false, 0f, dK, 0, pdk.Ld, null, 1);
        });
    }

    public void RefAttention(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, float scale, in HeadView output, Tensor probs)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, cols = lk + 1;
        HeadPtr pq = new(refs.Q), pk = new(refs.K), pv = new(refs.V), pkp = new(patchK), pvp = new(patchV), po = new(output);
        float* pp = Ptr(probs);
        CpuParallel.For(s.Batch * heads, Threads, 4L * lq * cols * dh, bh =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), Kr = pk.At(b, h), Vr = pv.At(b, h), Kp = pkp.At(b, h), Vp = pvp.At(b, h), O = po.At(b, h);
            float* P = pp + (long)bh * lq * cols;
            // P[:, :Lk] = Q·Kpᵀ·scale, P[:, Lk] = q·k_own·scale, then softmax per row.
            Sgemm.Run(1, lq, lk, dh, scale, Q, 0, pq.Ld, false, Kp, 0, pkp.Ld, true, 0f, P, 0, cols, null, 1);
            for (int i = 0; i < lq; i++)
            {
                var row = new Span<float>(P + (long)i * cols, cols);
                row[lk] = scale * TensorPrimitives.Dot(pq.Row(Q, i, dh), pk.Row(Kr, i, dh));
                SoftmaxRow(row, row, log: false);
            }
            // O = P[:, :Lk]·Vp + P[:, Lk]·v_own
            Sgemm.Run(1, lq, dh, lk, 1f, P, 0, cols, false, Vp, 0, pvp.Ld, false, 0f, O, 0, po.Ld, null, 1);
            for (int i = 0; i < lq; i++)
            {
                var o = po.Row(O, i, dh);
                TensorPrimitives.MultiplyAdd(pv.Row(Vr, i, dh), P[(long)i * cols + lk], o, o);
            }
        });
    }

    public void RefAttentionBackward(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, Tensor probs, in HeadView dOutput, float scale,
        in QkvViews dRefs, in HeadView dPatchK, in HeadView dPatchV)
    {
        int heads = s.Heads, lq = s.Lq, lk = s.Lk, dh = s.HeadDim, cols = lk + 1;
        HeadPtr pq = new(refs.Q), pk = new(refs.K), pv = new(refs.V), pkp = new(patchK), pvp = new(patchV), pdo = new(dOutput);
        HeadPtr pdq = new(dRefs.Q), pdk = new(dRefs.K), pdv = new(dRefs.V), pdkp = new(dPatchK), pdvp = new(dPatchV);
        float* pp = Ptr(probs);
        ForWithScratch(s.Batch * heads, 8L * lq * cols * dh, lq * cols, (dP, bh) =>
        {
            int b = bh / heads, h = bh % heads;
            float* Q = pq.At(b, h), Kr = pk.At(b, h), Vr = pv.At(b, h), Kp = pkp.At(b, h), Vp = pvp.At(b, h), dO = pdo.At(b, h);
            float* dQ = pdq.At(b, h), dKr = pdk.At(b, h), dVr = pdv.At(b, h), dKp = pdkp.At(b, h), dVp = pdvp.At(b, h);
            float* P = pp + (long)bh * lq * cols;
            // dVp = P[:, :Lk]ᵀ·dO ; dP[:, :Lk] = dO·Vpᵀ
            Sgemm.Run(1, lk, dh, lq, 1f, P, 0, cols, true, dO, 0, pdo.Ld, false, 0f, dVp, 0, pdvp.Ld, null, 1);
            Sgemm.Run(1, lq, lk, dh, 1f, dO, 0, pdo.Ld, false, Vp, 0, pvp.Ld, true, 0f, dP, 0, cols, null, 1);
            for (int i = 0; i < lq; i++)
            {
                var dOi = pdo.Row(dO, i, dh);
                // the own value: dv_own = p_own·dO ; dP[:, Lk] = dO·v_own
                TensorPrimitives.Multiply(dOi, P[(long)i * cols + lk], pdv.Row(dVr, i, dh));
                dP[(long)i * cols + lk] = TensorPrimitives.Dot(dOi, pv.Row(Vr, i, dh));
                SoftmaxGradRow(new ReadOnlySpan<float>(P + (long)i * cols, cols), new Span<float>(dP + (long)i * cols, cols));
            }
            // dQ = dS[:, :Lk]·Kp·scale + dS[:, Lk]·k_own·scale ; dKp = dS[:, :Lk]ᵀ·Q·scale ; dk_own = dS[:, Lk]·q·scale
            Sgemm.Run(1, lq, dh, lk, scale, dP, 0, cols, false, Kp, 0, pkp.Ld, false, 0f, dQ, 0, pdq.Ld, null, 1);
            Sgemm.Run(1, lk, dh, lq, scale, dP, 0, cols, true, Q, 0, pq.Ld, false, 0f, dKp, 0, pdkp.Ld, null, 1);
            for (int i = 0; i < lq; i++)
            {
                float ds = scale * dP[(long)i * cols + lk];
                var dq = pdq.Row(dQ, i, dh);
                TensorPrimitives.MultiplyAdd(pk.Row(Kr, i, dh), ds, dq, dq);
                TensorPrimitives.Multiply(pq.Row(Q, i, dh), ds, pdk.Row(dKr, i, dh));
            }
        });
    }

    private delegate void ScratchBody(float* scratch, int item);

    /// <summary>
    /// body(scratch, i) for every i in [0, count) across threads, each thread with one scratch block of
    /// scratchLength floats, rented rather than allocated: the attention backwards run for every block
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

    /// <summary>In place: dS = P ∘ (dP − Σ_j dP·P), the softmax backward of one row.</summary>
    private static void SoftmaxGradRow(ReadOnlySpan<float> p, Span<float> d)
    {
        float dot = TensorPrimitives.Dot(p, d);
        TensorPrimitives.Subtract(d, dot, d);
        TensorPrimitives.Multiply(d, p, d);
    }
}
