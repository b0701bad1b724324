using System.Numerics.Tensors;
using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Backends.Cpu;

/// <summary>
/// Attention per (batch·head) slice, slices spread over threads; each slice runs its GEMMs
/// single-threaded on the cache-resident [Lq, Lk] score block.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale, Tensor output, Tensor probs)
    {
        int bh = q.Shape[0] * q.Shape[1], lq = q.Shape[2], dh = q.Shape[3], lk = k.Shape[2];
        float* pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), po = Ptr(output), pp = Ptr(probs);
        float* pm = mask is null ? null : Ptr(mask);
        long flops = 4L * lq * lk * dh;
        CpuParallel.For(bh, Threads, flops, s =>
        {
            float* Q = pq + (long)s * lq * dh, K = pk + (long)s * lk * dh, V = pv + (long)s * lk * dh;
            float* P = pp + (long)s * lq * lk, O = po + (long)s * lq * dh;
            // P = softmax(Q·Kᵀ·scale + mask)
            Sgemm.Run(1, lq, lk, dh, scale, Q, 0, dh, false, K, 0, dh, true, 0f, P, 0, lk, null, 1);
            for (int i = 0; i < lq; i++)
            {
                var row = new Span<float>(P + (long)i * lk, lk);
                if (pm != null) TensorPrimitives.Add(row, new ReadOnlySpan<float>(pm + (long)i * lk, lk), row);
                if (lk > 0) SoftmaxRow(row, row, log: false);
            }
            // O = P·V
            Sgemm.Run(1, lq, dh, lk, 1f, P, 0, lk, false, V, 0, dh, false, 0f, O, 0, dh, null, 1);
        });
    }

    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dOutput, float scale, Tensor dq, Tensor dk, Tensor dv)
    {
        int bh = q.Shape[0] * q.Shape[1], lq = q.Shape[2], dh = q.Shape[3], lk = k.Shape[2];
        float* pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), pp = Ptr(probs), pdo = Ptr(dOutput);
        float* pdq = Ptr(dq), pdk = Ptr(dk), pdv = Ptr(dv);
        long flops = 8L * lq * lk * dh;
        CpuParallel.ForRange(bh, Threads, flops, (start, end) =>
        {
            // Rented, not allocated: this runs for every block of every training step.
            var scratch = System.Buffers.ArrayPool<float>.Shared.Rent(Math.Max(lq * lk, 1));
            try
            {
                fixed (float* dP = scratch)
                    for (int s = start; s < end; s++)
                    {
                        float* Q = pq + (long)s * lq * dh, K = pk + (long)s * lk * dh, V = pv + (long)s * lk * dh;
                        float* P = pp + (long)s * lq * lk, dO = pdo + (long)s * lq * dh;
                        float* dQ = pdq + (long)s * lq * dh, dK = pdk + (long)s * lk * dh, dV = pdv + (long)s * lk * dh;
                        // dV = Pᵀ·dO ; dP = dO·Vᵀ
                        Sgemm.Run(1, lk, dh, lq, 1f, P, 0, lk, true, dO, 0, dh, false, 0f, dV, 0, dh, null, 1);
                        Sgemm.Run(1, lq, lk, dh, 1f, dO, 0, dh, false, V, 0, dh, true, 0f, dP, 0, lk, null, 1);
                        // dS = P ∘ (dP − Σ_j dP·P), kept in dP
                        for (int i = 0; i < lq; i++)
                        {
                            var p = new ReadOnlySpan<float>(P + (long)i * lk, lk);
                            var d = new Span<float>(dP + (long)i * lk, lk);
                            float dot = TensorPrimitives.Dot(p, d);
                            TensorPrimitives.Subtract(d, dot, d);
                            TensorPrimitives.Multiply(d, p, d);
                        }
                        // dQ = dS·K·scale ; dK = dSᵀ·Q·scale
                        Sgemm.Run(1, lq, dh, lk, scale, dP, 0, lk, false, K, 0, dh, false, 0f, dQ, 0, dh, null, 1);
                        Sgemm.Run(1, lk, dh, lq, scale, dP, 0, lk, true, Q, 0, dh, false, 0f, dK, 0, dh, null, 1);
                    }
            }
            finally { System.Buffers.ArrayPool<float>.Shared.Return(scratch); }
        });
    }
}
