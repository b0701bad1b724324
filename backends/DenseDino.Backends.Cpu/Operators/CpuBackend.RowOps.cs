using DenseDino.Backends.Cpu.Kernels;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

/// <summary>Fused ops over the rows of [rows, dim] tensors, parallel across rows.</summary>
public sealed unsafe partial class CpuBackend
{
    private static int Dim(Tensor t) => t.Rank == 0 ? 1 : t.Shape[^1];

    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        int d = Dim(x);
        long rows = d == 0 ? 0 : x.Length / d;
        float* px = Ptr(x), pg = Ptr(gamma), pb = Ptr(beta), py = Ptr(y), pm = Ptr(mean), pr = Ptr(rstd);
        CpuParallelRows(rows, d * 4, r =>
        {
            var row = new ReadOnlySpan<float>(px + r * d, d);
            var outRow = new Span<float>(py + r * d, d);
            float mu = TensorPrimitives.Sum(row) / d;
            // Two passes (mean, then squared deviations) avoid E[x²]−E[x]² cancellation.
            TensorPrimitives.Subtract(row, mu, outRow);
            float var = TensorPrimitives.SumOfSquares(outRow) / d;
            float rs = 1f / MathF.Sqrt(var + eps);
            pm[r] = mu;
            pr[r] = rs;
            TensorPrimitives.Multiply(outRow, rs, outRow);
            TensorPrimitives.FusedMultiplyAdd(outRow, new ReadOnlySpan<float>(pg, d), new ReadOnlySpan<float>(pb, d), outRow);
        });
    }

    public void LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, bool accumulateDx = false)
    {
        int d = Dim(x);
        long rows = d == 0 ? 0 : x.Length / d;
        if (rows == 0) return;   // nothing to overwrite, nothing to accumulate
        float* px = Ptr(x), pg = Ptr(gamma), pm = Ptr(mean), pr = Ptr(rstd), pdy = Ptr(dy), pdx = Ptr(dx);
        int chunks = (int)Math.Clamp(rows * d / ParallelGrain, 1, Math.Min(Threads, Math.Max(rows, 1)));
        // Each chunk sums its own dgamma/dbeta partials; they are added serially at the end.
        var partialG = new float[chunks * d];
        var partialB = new float[chunks * d];
        Kernels.CpuParallel.For(chunks, chunks, long.MaxValue / chunks, c =>
        {
            long start = rows * c / chunks, end = rows * (c + 1) / chunks;
            fixed (float* accG = &partialG[c * d], accB = &partialB[c * d])
                for (long r = start; r < end; r++)
                    LayerNormBackwardRow(px + r * d, pdy + r * d, pg, pm[r], pr[r], d, accG, accB, pdx + r * d, accumulateDx);
        });
        var dG = Span(dgamma);
        var dB = Span(dbeta);
        for (int c = 0; c < chunks; c++)
        {
            TensorPrimitives.Add(dG, partialG.AsSpan(c * d, d), dG);
            TensorPrimitives.Add(dB, partialB.AsSpan(c * d, d), dB);
        }
    }

    /// <summary>
    /// One row in two fused passes (x̂ and dx̂ recomputed rather than stored; d is small enough to
    /// stay in L1): dγ += dy·x̂, dβ += dy, then dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·γ.
    /// Eleven span calls per row made this call-overhead bound at ViT widths.
    /// </summary>
    private static void LayerNormBackwardRow(float* x, float* dy, float* gamma, float mu, float rs, int d, float* accG, float* accB, float* dx, bool accumulate)
    {
        const int w = 8;
        var vmu = Vector256.Create(mu);
        var vrs = Vector256.Create(rs);
        var sumD = Vector256<float>.Zero;
        var sumDX = Vector256<float>.Zero;
        int j = 0;
        for (; j <= d - w; j += w)
        {
            var xh = (Vector256.Load(x + j) - vmu) * vrs;
            var g = Vector256.Load(dy + j);
            Vector256.FusedMultiplyAdd(g, xh, Vector256.Load(accG + j)).Store(accG + j);
            (Vector256.Load(accB + j) + g).Store(accB + j);
            var dxh = g * Vector256.Load(gamma + j);
            sumD += dxh;
            sumDX = Vector256.FusedMultiplyAdd(dxh, xh, sumDX);
        }
        float sd = Vector256.Sum(sumD), sdx = Vector256.Sum(sumDX);
        for (int t = j; t < d; t++)
        {
            float xh = (x[t] - mu) * rs, g = dy[t];
            accG[t] += g * xh;
            accB[t] += g;
            float dxh = g * gamma[t];
            sd += dxh;
            sdx += dxh * xh;
        }
        float meanD = sd / d, meanDX = sdx / d;
        var vmeanD = Vector256.Create(meanD);
        var vmeanDX = Vector256.Create(meanDX);
        j = 0;
        for (; j <= d - w; j += w)
        {
            var xh = (Vector256.Load(x + j) - vmu) * vrs;
            var dxh = Vector256.Load(dy + j) * Vector256.Load(gamma + j);
            var v = (dxh - vmeanD - xh * vmeanDX) * vrs;
            (accumulate ? Vector256.Load(dx + j) + v : v).Store(dx + j);
        }
        for (; j < d; j++)
        {
            float xh = (x[j] - mu) * rs;
            float v = (dy[j] * gamma[j] - meanD - xh * meanDX) * rs;
            dx[j] = accumulate ? dx[j] + v : v;
        }
    }

    public void Softmax(Tensor x, bool log, Tensor y, Tensor? shift = null, float scale = 1f)
    {
        int d = Dim(x);
        long rows = d == 0 ? 0 : x.Length / d;
        float* px = Ptr(x), py = Ptr(y), pc = shift is null ? null : Ptr(shift);
        bool transform = shift is not null || scale != 1f;
        CpuParallelRows(rows, d * 4, r =>
        {
            float* src = px + r * d, dst = py + r * d;
            if (transform)
            {
                // (x − shift)·scale into y, then the softmax in place: one output, no intermediate tensor.
                var yr = new Span<float>(dst, d);
                var xr = new ReadOnlySpan<float>(src, d);
                if (pc == null) TensorPrimitives.Multiply(xr, scale, yr);
                else
                {
                    TensorPrimitives.Subtract(xr, new ReadOnlySpan<float>(pc, d), yr);
                    if (scale != 1f) TensorPrimitives.Multiply(yr, scale, yr);
                }
                src = dst;
            }
            if (log) LogSoftmaxRow(new ReadOnlySpan<float>(src, d), new Span<float>(dst, d));
            else RowSoftmax.Forward(src, null, dst, d);
        });
    }

    /// <summary>y = x − max − log Σ exp(x − max) for one row; exp goes through y's storage and back.</summary>
    private static void LogSoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Subtract(y, LogSumExpShifted(y), y);
    }

    /// <summary>log Σ exp(v) for v ≤ 0 without a scratch buffer (chunked on the stack).</summary>
    private static float LogSumExpShifted(ReadOnlySpan<float> v)
    {
        Span<float> tmp = stackalloc float[256];
        double sum = 0;
        for (int i = 0; i < v.Length; i += tmp.Length)
        {
            int n = Math.Min(tmp.Length, v.Length - i);
            TensorPrimitives.Exp(v.Slice(i, n), tmp[..n]);
            sum += TensorPrimitives.Sum(tmp[..n]);
        }
        return (float)Math.Log(sum);
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, bool log, Tensor dx)
    {
        int d = Dim(y);
        long rows = d == 0 ? 0 : y.Length / d;
        float* py = Ptr(y), pg = Ptr(dy), pd = Ptr(dx);
        CpuParallelRows(rows, d * 4, r =>
        {
            if (!log)
            {
                RowSoftmax.Backward(py + r * d, pg + r * d, pd + r * d, d); // dx = y · (dy − Σ dy·y)
                return;
            }
            // dx = dy − softmax · Σdy, softmax = exp(y)
            var g = new ReadOnlySpan<float>(pg + r * d, d);
            var o = new Span<float>(pd + r * d, d);
            float s = TensorPrimitives.Sum(g); // before o is written: dx may be dy's storage
            TensorPrimitives.Exp(new ReadOnlySpan<float>(py + r * d, d), o);
            TensorPrimitives.MultiplyAdd(o, -s, g, o);
        });
    }

    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norm)
    {
        int d = Dim(x);
        long rows = d == 0 ? 0 : x.Length / d;
        float* px = Ptr(x), py = Ptr(y), pn = Ptr(norm);
        CpuParallelRows(rows, d * 2, r =>
        {
            var row = new ReadOnlySpan<float>(px + r * d, d);
            float nrm = TensorPrimitives.Norm(row);
            pn[r] = nrm;
            TensorPrimitives.Divide(row, MathF.Max(nrm, eps), new Span<float>(py + r * d, d));
        });
    }

    public void L2NormalizeBackward(Tensor x, Tensor norm, Tensor dy, float eps, Tensor dx)
    {
        int d = Dim(x);
        long rows = d == 0 ? 0 : x.Length / d;
        float* px = Ptr(x), pn = Ptr(norm), pg = Ptr(dy), pd = Ptr(dx);
        CpuParallelRows(rows, d * 3, r =>
        {
            var row = new ReadOnlySpan<float>(px + r * d, d);
            var g = new ReadOnlySpan<float>(pg + r * d, d);
            var o = new Span<float>(pd + r * d, d);
            float nrm = pn[r];
            if (nrm <= eps)
            {
                TensorPrimitives.Divide(g, eps, o); // the clamp is active: y = x / eps
                return;
            }
            // dx = (dy − x̂ (dy·x̂)) / ‖x‖ with x̂ = x/‖x‖
            float dot = TensorPrimitives.Dot(g, row) / (nrm * nrm);
            TensorPrimitives.MultiplyAdd(row, -dot, g, o);
            TensorPrimitives.Divide(o, nrm, o);
        });
    }

    public void WeightNorm(Tensor g, Tensor v, Tensor w, Tensor norm)
    {
        int d = Dim(v);
        long rows = v.Shape[0];
        float* pg = Ptr(g), pv = Ptr(v), pw = Ptr(w), pn = Ptr(norm);
        CpuParallelRows(rows, d * 2, r =>
        {
            var row = new ReadOnlySpan<float>(pv + r * d, d);
            float nrm = TensorPrimitives.Norm(row);
            pn[r] = nrm;
            TensorPrimitives.Multiply(row, pg[r] / nrm, new Span<float>(pw + r * d, d));
        });
    }

    public void WeightNormBackward(Tensor g, Tensor v, Tensor norm, Tensor dw, Tensor dg, Tensor dv)
    {
        int d = Dim(v);
        long rows = v.Shape[0];
        float* pg = Ptr(g), pv = Ptr(v), pn = Ptr(norm), pdw = Ptr(dw), pdg = Ptr(dg), pdv = Ptr(dv);
        CpuParallelRows(rows, d * 3, r =>
        {
            var row = new ReadOnlySpan<float>(pv + r * d, d);
            var gw = new ReadOnlySpan<float>(pdw + r * d, d);
            float nrm = pn[r];
            float s = TensorPrimitives.Dot(gw, row);
            pdg[r] = s / nrm;
            // dv = g/‖v‖ · dw − g·s/‖v‖³ · v
            var o = new Span<float>(pdv + r * d, d);
            TensorPrimitives.Multiply(gw, pg[r] / nrm, o);
            TensorPrimitives.MultiplyAdd(row, -pg[r] * s / (nrm * nrm * nrm), o, o);
        });
    }

    public void SoftCrossEntropy(Tensor targets, Tensor logits, float scale, Tensor loss, Tensor logSumExp)
    {
        int k = Dim(logits);
        long rows = loss.Length;
        float* pt = Ptr(targets), ps = Ptr(logits), pl = Ptr(loss), pz = Ptr(logSumExp);
        CpuParallelRows(rows, k * 4, r =>
        {
            var s = new ReadOnlySpan<float>(ps + r * k, k);
            var t = new ReadOnlySpan<float>(pt + r * k, k);
            float lse = k == 0 ? float.NegativeInfinity : LogSumExp(s, scale);
            pz[r] = lse;
            // −Σ t (scale·s − lse) = lse·Σt − scale·Σ t·s
            pl[r] = k == 0 ? 0f : lse * TensorPrimitives.Sum(t) - scale * TensorPrimitives.Dot(t, s);
        });
    }

    // log Σ exp(scale·s); scale > 0 keeps max(scale·s) = scale·max(s), else the min is the max.
    private static float LogSumExp(ReadOnlySpan<float> s, float scale)
    {
        float max = scale * (scale >= 0 ? TensorPrimitives.Max(s) : TensorPrimitives.Min(s));
        Span<float> tmp = stackalloc float[256];
        double sum = 0;
        for (int i = 0; i < s.Length; i += tmp.Length)
        {
            int n = Math.Min(tmp.Length, s.Length - i);
            TensorPrimitives.Multiply(s.Slice(i, n), scale, tmp[..n]);
            TensorPrimitives.Subtract(tmp[..n], max, tmp[..n]);
            TensorPrimitives.Exp(tmp[..n], tmp[..n]);
            sum += TensorPrimitives.Sum(tmp[..n]);
        }
        return max + (float)Math.Log(sum);
    }

    public void SoftCrossEntropyBackward(Tensor targets, Tensor logits, float scale, Tensor logSumExp, Tensor dloss, Tensor dlogits)
    {
        int k = Dim(logits);
        long rows = dloss.Length;
        float* pt = Ptr(targets), ps = Ptr(logits), pz = Ptr(logSumExp), pg = Ptr(dloss), pd = Ptr(dlogits);
        CpuParallelRows(rows, k * 4, r =>
        {
            var s = new ReadOnlySpan<float>(ps + r * k, k);
            var t = new ReadOnlySpan<float>(pt + r * k, k);
            var o = new Span<float>(pd + r * k, k);
            float st = TensorPrimitives.Sum(t), g = scale * pg[r];
            // ds = scale·g · (softmax(scale·s)·Σt − t), softmax recomputed from the saved log-sum-exp
            TensorPrimitives.Multiply(s, scale, o);
            TensorPrimitives.Subtract(o, pz[r], o);
            TensorPrimitives.Exp(o, o);
            TensorPrimitives.Multiply(o, st, o);
            TensorPrimitives.Subtract(o, t, o);
            TensorPrimitives.Multiply(o, g, o);
        });
    }
}
