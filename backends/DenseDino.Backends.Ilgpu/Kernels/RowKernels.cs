using ILGPU.Algorithms;

namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>
/// Fused ops over the rows of [rows, dim] tensors: one group per row (grid X = row), threads
/// stride over the row and combine through shared-memory tree reductions.
/// </summary>
public static class RowKernels
{
    [Kernel(grouped: true)]
    public static void LayerNorm(ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y,
        ArrayView<float> mean, ArrayView<float> rstd, int d, float eps)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float s = 0f;
        for (int j = t; j < d; j += g) s += x[b + j];
        float mu = DeviceMath.GroupSum(sh, s) / d;
        // Two passes (mean, then squared deviations) avoid E[x²]−E[x]² cancellation.
        float q = 0f;
        for (int j = t; j < d; j += g) { float c = x[b + j] - mu; q += c * c; }
        float rs = 1f / XMath.Sqrt(DeviceMath.GroupSum(sh, q) / d + eps);
        for (int j = t; j < d; j += g) y[b + j] = (x[b + j] - mu) * rs * gamma[j] + beta[j];
        if (t == 0) { mean[r] = mu; rstd[r] = rs; }
    }

    /// <summary>dx (+)= rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)), dxhat = dy·gamma.</summary>
    [Kernel(grouped: true)]
    public static void LayerNormBackward(ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> dx, int d, int accumulate)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float mu = mean[r], rs = rstd[r];
        float s1 = 0f, s2 = 0f;
        for (int j = t; j < d; j += g)
        {
            float xh = (x[b + j] - mu) * rs, dh = dy[b + j] * gamma[j];
            s1 += dh;
            s2 += dh * xh;
        }
        float meanD = DeviceMath.GroupSum(sh, s1) / d;
        float meanDX = DeviceMath.GroupSum(sh, s2) / d;
        for (int j = t; j < d; j += g)
        {
            float xh = (x[b + j] - mu) * rs, dh = dy[b + j] * gamma[j];
            float v = rs * (dh - meanD - xh * meanDX);
            dx[b + j] = accumulate != 0 ? dx[b + j] + v : v;
        }
    }

    /// <summary>
    /// First pass of the LayerNorm parameter gradients over many rows: thread (s, j) sums dy·x̂ and
    /// dy over rows [s·64, s·64 + 64) of column j; ReduceKernels.SumChunks adds the chunks (no races).
    /// </summary>
    [Kernel]
    public static void LayerNormParamGradPartial(Index1D t, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> partialGamma, ArrayView<float> partialBeta, int rows, int d)
    {
        long s = t / d, j = t % d;
        long r0 = s * ReduceKernels.ColumnChunk, r1 = XMath.Min(rows, r0 + ReduceKernels.ColumnChunk);
        float sg = 0f, sb = 0f;
        for (long r = r0; r < r1; r++)
        {
            long at = r * d + j;
            float g = dy[at];
            sg += g * (x[at] - mean[r]) * rstd[r];
            sb += g;
        }
        partialGamma[t] = sg;
        partialBeta[t] = sb;
    }

    /// <summary>Max-subtracted softmax (log ≠ 0: log-softmax) of each row.</summary>
    [Kernel(grouped: true)]
    public static void Softmax(ArrayView<float> x, ArrayView<float> y, ArrayView<float> shift, int d, int log, int hasShift, float scale)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long b = (long)Grid.IdxX * d;
        float m = float.NegativeInfinity;
        for (int j = t; j < d; j += g) m = XMath.Max(m, Shifted(x, shift, b, j, hasShift, scale));
        m = DeviceMath.GroupMax(sh, m);
        float s = 0f;
        for (int j = t; j < d; j += g) s += XMath.Exp(Shifted(x, shift, b, j, hasShift, scale) - m);
        s = DeviceMath.GroupSum(sh, s);
        if (log != 0)
        {
            float lse = XMath.Log(s);
            for (int j = t; j < d; j += g) y[b + j] = Shifted(x, shift, b, j, hasShift, scale) - m - lse;
        }
        else
        {
            float inv = 1f / s;
            for (int j = t; j < d; j += g) y[b + j] = XMath.Exp(Shifted(x, shift, b, j, hasShift, scale) - m) * inv;
        }
    }

    // (x − shift)·scale, recomputed per pass: cheaper than a K-wide intermediate in memory.
    private static float Shifted(ArrayView<float> x, ArrayView<float> shift, long b, int j, int hasShift, float scale) =>
        hasShift != 0 ? (x[b + j] - shift[j]) * scale : x[b + j] * scale;

    /// <summary>softmax: dx = y·(dy − Σdy·y); log-softmax: dx = dy − exp(y)·Σdy.</summary>
    [Kernel(grouped: true)]
    public static void SoftmaxBackward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int d, int log)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long b = (long)Grid.IdxX * d;
        float s = 0f;
        for (int j = t; j < d; j += g) s += log != 0 ? dy[b + j] : dy[b + j] * y[b + j];
        s = DeviceMath.GroupSum(sh, s);
        for (int j = t; j < d; j += g)
            dx[b + j] = log != 0 ? dy[b + j] - XMath.Exp(y[b + j]) * s : y[b + j] * (dy[b + j] - s);
    }

    /// <summary>y = x / max(‖x‖, eps), norm saved.</summary>
    [Kernel(grouped: true)]
    public static void L2Normalize(ArrayView<float> x, ArrayView<float> y, ArrayView<float> norm, int d, float eps)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float s = 0f;
        for (int j = t; j < d; j += g) { float v = x[b + j]; s += v * v; }
        float n = XMath.Sqrt(DeviceMath.GroupSum(sh, s));
        float inv = 1f / XMath.Max(n, eps);
        for (int j = t; j < d; j += g) y[b + j] = x[b + j] * inv;
        if (t == 0) norm[r] = n;
    }

    /// <summary>dx = (dy − x̂(dy·x̂)) / ‖x‖, or dy / eps where the clamp is active.</summary>
    [Kernel(grouped: true)]
    public static void L2NormalizeBackward(ArrayView<float> x, ArrayView<float> norm, ArrayView<float> dy, ArrayView<float> dx, int d, float eps)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float n = norm[r];
        float s = 0f;
        for (int j = t; j < d; j += g) s += dy[b + j] * x[b + j];
        s = DeviceMath.GroupSum(sh, s);
        if (n <= eps)
        {
            for (int j = t; j < d; j += g) dx[b + j] = dy[b + j] / eps;
            return;
        }
        float dot = s / (n * n);
        for (int j = t; j < d; j += g) dx[b + j] = (dy[b + j] - x[b + j] * dot) / n;
    }

    /// <summary>w = g[r]·v[r,:]/‖v[r,:]‖, norm saved.</summary>
    [Kernel(grouped: true)]
    public static void WeightNorm(ArrayView<float> gain, ArrayView<float> v, ArrayView<float> w, ArrayView<float> norm, int d)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float s = 0f;
        for (int j = t; j < d; j += g) { float e = v[b + j]; s += e * e; }
        float n = XMath.Sqrt(DeviceMath.GroupSum(sh, s));
        float k = gain[r] / n;
        for (int j = t; j < d; j += g) w[b + j] = v[b + j] * k;
        if (t == 0) norm[r] = n;
    }

    /// <summary>dg = (dw·v)/‖v‖; dv = g/‖v‖·dw − g·(dw·v)/‖v‖³·v.</summary>
    [Kernel(grouped: true)]
    public static void WeightNormBackward(ArrayView<float> gain, ArrayView<float> v, ArrayView<float> norm, ArrayView<float> dw,
        ArrayView<float> dg, ArrayView<float> dv, int d)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * d;
        float s = 0f;
        for (int j = t; j < d; j += g) s += dw[b + j] * v[b + j];
        s = DeviceMath.GroupSum(sh, s);
        float n = norm[r], gr = gain[r];
        float k1 = gr / n, k2 = -gr * s / (n * n * n);
        for (int j = t; j < d; j += g) dv[b + j] = dw[b + j] * k1 + v[b + j] * k2;
        if (t == 0) dg[r] = s / n;
    }

    /// <summary>lse = logΣexp(scale·s); loss = lse·Σt − Σt·scale·s (K up to 65536: threads stride the row).</summary>
    [Kernel(grouped: true)]
    public static void SoftCrossEntropy(ArrayView<float> targets, ArrayView<float> logits, ArrayView<float> loss, ArrayView<float> logSumExp, int k, float scale)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * k;
        float m = float.NegativeInfinity;
        for (int j = t; j < k; j += g) m = XMath.Max(m, scale * logits[b + j]);
        m = DeviceMath.GroupMax(sh, m);
        float se = 0f, st = 0f, sts = 0f;
        for (int j = t; j < k; j += g)
        {
            float s = scale * logits[b + j], tt = targets[b + j];
            se += XMath.Exp(s - m);
            st += tt;
            sts += tt * s;
        }
        se = DeviceMath.GroupSum(sh, se);
        st = DeviceMath.GroupSum(sh, st);
        sts = DeviceMath.GroupSum(sh, sts);
        if (t == 0)
        {
            float lse = m + XMath.Log(se);
            logSumExp[r] = lse;
            loss[r] = lse * st - sts;
        }
    }

    /// <summary>ds = scale·dloss·(exp(scale·s − lse)·Σt − t).</summary>
    [Kernel(grouped: true)]
    public static void SoftCrossEntropyBackward(ArrayView<float> targets, ArrayView<float> logits, ArrayView<float> logSumExp,
        ArrayView<float> dloss, ArrayView<float> dlogits, int k, float scale)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * k;
        float st = 0f;
        for (int j = t; j < k; j += g) st += targets[b + j];
        st = DeviceMath.GroupSum(sh, st);
        float lse = logSumExp[r], gr = scale * dloss[r];
        for (int j = t; j < k; j += g) dlogits[b + j] = gr * (XMath.Exp(scale * logits[b + j] - lse) * st - targets[b + j]);
    }

    /// <summary>In place on scores [BH·Lq, Lk]: add the shared mask row (row mod Lq) and softmax.</summary>
    [Kernel(grouped: true)]
    public static void MaskedSoftmax(ArrayView<float> p, ArrayView<float> mask, int lq, int lk, int hasMask)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long r = Grid.IdxX, b = r * lk, mb = (r % lq) * lk;
        float m = float.NegativeInfinity;
        for (int j = t; j < lk; j += g)
        {
            float v = p[b + j];
            if (hasMask != 0) { v += mask[mb + j]; p[b + j] = v; }
            m = XMath.Max(m, v);
        }
        m = DeviceMath.GroupMax(sh, m);
        float s = 0f;
        for (int j = t; j < lk; j += g) s += XMath.Exp(p[b + j] - m);
        s = DeviceMath.GroupSum(sh, s);
        float inv = 1f / s;
        for (int j = t; j < lk; j += g) p[b + j] = XMath.Exp(p[b + j] - m) * inv;
    }

    /// <summary>In place on dP [BH·Lq, Lk]: dS = P ∘ (dP − Σ_j dP·P).</summary>
    [Kernel(grouped: true)]
    public static void SoftmaxGradInPlace(ArrayView<float> probs, ArrayView<float> dp, int lk)
    {
        var sh = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long b = (long)Grid.IdxX * lk;
        float s = 0f;
        for (int j = t; j < lk; j += g) s += probs[b + j] * dp[b + j];
        s = DeviceMath.GroupSum(sh, s);
        for (int j = t; j < lk; j += g) dp[b + j] = probs[b + j] * (dp[b + j] - s);
    }
}
