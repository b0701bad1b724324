using ILGPU.Algorithms;
namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>Reductions of x viewed as [outer, n, inner]; op 0 sum, 1 mean, 2 max.</summary>
public static class ReduceKernels
{
    /// <summary>One thread per output (o, i) walking n: used when inner &gt; 1 (reads are coalesced over i).</summary>
    [Kernel]
    public static void ReduceColumns(Index1D t, ArrayView<float> x, ArrayView<float> y, ArrayView<float> indices, ReduceArgs p)
    {
        // 32-bit quotients (t is a launch index): GPUs emulate 64-bit division.
        int o = t / p.Inner, i = t - o * p.Inner;
        long b = (long)o * p.N * p.Inner + i;
        if (p.Op == 2)
        {
            float best = x[b];
            int at = 0;
            for (int j = 1; j < p.N; j++)
            {
                float v = x[b + (long)j * p.Inner];
                if (v > best) { best = v; at = j; }
            }
            y[t] = best;
            if (p.WriteIndex != 0) indices[t] = at;
            return;
        }
        float s = 0f;
        for (int j = 0; j < p.N; j++) s += x[b + (long)j * p.Inner];
        float r = p.Op == 1 ? s / p.Divisor : s;
        y[t] = p.Accumulate != 0 ? y[t] + r : r;
    }

    /// <summary>Rows per chunk of a split column reduction.</summary>
    public const int ColumnChunk = 64;

    /// <summary>
    /// First pass of a long column sum (few outputs, many rows: a bias gradient): thread (o, s, i)
    /// sums rows [s·64, s·64 + 64) of column i into partial[o, s, i]; SumChunks then adds the chunks.
    /// </summary>
    [Kernel]
    public static void ReduceColumnsPartial(Index1D t, ArrayView<float> x, ArrayView<float> partial, ReduceArgs p)
    {
        int chunks = (p.N + ColumnChunk - 1) / ColumnChunk;
        int rest = t / p.Inner, i = t - rest * p.Inner;
        int o = rest / chunks, s = rest - o * chunks;
        long j0 = (long)s * ColumnChunk, j1 = XMath.Min(p.N, j0 + ColumnChunk);
        long b = (long)o * p.N * p.Inner + i;
        float acc = 0f;
        for (long j = j0; j < j1; j++) acc += x[b + j * p.Inner];
        partial[t] = acc;
    }

    /// <summary>Columns and chunk-rows of one <see cref="SumChunks"/> group.</summary>
    public const int ChunkColumns = 32, ChunkRows = 8;

    /// <summary>
    /// Second pass of a split column sum: y[o, i] (+)= Σ_s partial[o, s, i] (÷ divisor when it is not 0).
    /// A 32×8 group per 32 columns, its 8 thread rows striding over the chunks and meeting in shared
    /// memory: one thread per column walking every chunk alone was latency-bound (hundreds of dependent
    /// trips through L2 on a few hundred threads). Grid: ⌈inner/32⌉ × outer.
    /// </summary>
    [Kernel(grouped: true)]
    public static void SumChunks(ArrayView<float> partial, ArrayView<float> y, int chunks, int inner, int divisor, int accumulate)
    {
        var sums = SharedMemory.Allocate<float>(ChunkColumns * ChunkRows);
        int tx = Group.IdxX, ty = Group.IdxY;
        int i = Grid.IdxX * ChunkColumns + tx, o = Grid.IdxY;
        float acc = 0f;
        if (i < inner)
        {
            long b = (long)o * chunks * inner + i;
            for (int s = ty; s < chunks; s += ChunkRows) acc += partial[b + (long)s * inner];
        }
        sums[ty * ChunkColumns + tx] = acc;
        Group.Barrier();
        if (ty != 0 || i >= inner) return;
        float total = 0f;
        for (int r = 0; r < ChunkRows; r++) total += sums[r * ChunkColumns + tx];
        if (divisor != 0) total /= divisor;
        long at = (long)o * inner + i;
        y[at] = accumulate != 0 ? y[at] + total : total;
    }

    /// <summary>One group per contiguous row (inner == 1): shared-memory tree reduction; ties pick the first index.</summary>
    [Kernel(grouped: true)]
    public static void ReduceRows(ArrayView<float> x, ArrayView<float> y, ArrayView<float> indices, ReduceArgs p)
    {
        var vals = SharedMemory.Allocate<float>(DeviceMath.MaxGroup);
        var idxs = SharedMemory.Allocate<int>(DeviceMath.MaxGroup);
        int t = Group.IdxX, g = Group.DimX;
        long row = Grid.IdxX;
        long b = row * p.N;
        if (p.Op != 2)
        {
            float s = 0f;
            for (int j = t; j < p.N; j += g) s += x[b + j];
            s = DeviceMath.GroupSum(vals, s);
            if (t == 0)
            {
                float v = p.Op == 1 ? (p.N == 0 ? 0f : s / p.N) : s;
                y[row] = p.Accumulate != 0 ? y[row] + v : v;
            }
            return;
        }
        float best = float.NegativeInfinity;
        int at = int.MaxValue;
        for (int j = t; j < p.N; j += g)
        {
            float v = x[b + j];
            if (v > best || at == int.MaxValue) { best = v; at = j; }
        }
        vals[t] = best;
        idxs[t] = at;
        Group.Barrier();
        for (int s = g / 2; s > 0; s >>= 1)
        {
            if (t < s)
            {
                float v = vals[t + s];
                int k = idxs[t + s];
                if (k != int.MaxValue && (idxs[t] == int.MaxValue || v > vals[t] || (v == vals[t] && k < idxs[t])))
                {
                    vals[t] = v;
                    idxs[t] = k;
                }
            }
            Group.Barrier();
        }
        if (t == 0)
        {
            y[row] = vals[0];
            if (p.WriteIndex != 0) indices[row] = idxs[0];
        }
    }

    /// <summary>dx[o, idx[o,i], i] = dy[o, i] (dx zero-filled first).</summary>
    [Kernel]
    public static void MaxBackward(Index1D t, ArrayView<float> dy, ArrayView<float> indices, ArrayView<float> dx, int n, int inner)
    {
        long o = t / inner, i = t % inner;
        dx[(o * n + (long)indices[t]) * inner + i] = dy[t];
    }
}
