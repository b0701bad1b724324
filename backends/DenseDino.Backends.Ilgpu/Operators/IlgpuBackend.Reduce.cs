using DenseDino.Numerics;
using DenseDino.Backends.Ilgpu.Kernels;

namespace DenseDino.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices, bool accumulate = false)
    {
        if (accumulate && op == ReduceOp.Max) throw new ArgumentException("Reduce: Max cannot accumulate into its output");
        long outputs = (long)outer * inner;
        if (outputs == 0) return;
        var args = new ReduceArgs { Outer = outer, N = n, Inner = inner, Op = (int)op, WriteIndex = indices is null ? 0 : 1, Divisor = n, Accumulate = accumulate ? 1 : 0 };
        var idx = indices is null ? V(y) : V(indices);
        // Few columns over many rows (bias gradients): one thread per column would walk every row
        // alone, so rows go in chunks of 64 to a partial buffer first.
        if (inner > 1 && op != ReduceOp.Max && outputs < 16384 && n > 2 * ReduceKernels.ColumnChunk)
        {
            int chunks = (n + ReduceKernels.ColumnChunk - 1) / ReduceKernels.ColumnChunk;
            long count = outputs * chunks;
            var partial = Pool.Rent(count);
            var pv = ((IlgpuBuffer)partial).View(0, count);
            K.ReduceColumnsPartial(Count(count), V(x), pv, args);
            K.SumChunks(ChunkSums(inner, outer), pv, V(y), chunks, inner, op == ReduceOp.Mean ? n : 0, args.Accumulate);
            Pool.Return(partial); // the stream runs the kernels before any later use of the buffer
            return;
        }
        // Contiguous rows get a group each; otherwise one thread per output walks n (coalesced over inner).
        if (inner == 1) K.ReduceRows(Rows(outer, n), V(x), V(y), idx, args);
        else K.ReduceColumns(Count(outputs), V(x), V(y), idx, args);
    }

    /// <summary>Launch shape of <see cref="ReduceKernels.SumChunks"/>: a 32×8 group per 32 of inner's columns, per outer item.</summary>
    private static KernelConfig ChunkSums(int inner, int outer) =>
        new(new Index2D((inner + ReduceKernels.ChunkColumns - 1) / ReduceKernels.ChunkColumns, outer),
            new Index2D(ReduceKernels.ChunkColumns, ReduceKernels.ChunkRows));

    public void MaxBackward(Tensor dy, Tensor indices, int outer, int n, int inner, Tensor dx)
    {
        Fill(dx, 0f);
        long outputs = (long)outer * inner;
        if (outputs == 0) return;
        K.MaxBackward(Count(outputs), V(dy), V(indices), V(dx), n, inner);
    }

    public void SumToShape(Tensor x, Tensor y)
    {
        // Coalesce into alternating kept/reduced runs; the common cases are one Reduce call.
        var kinds = new List<(bool Reduced, long Size)>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (x.Shape[i] == 1) continue;
            bool red = y.Shape[i] == 1;
            if (kinds.Count > 0 && kinds[^1].Reduced == red) kinds[^1] = (red, kinds[^1].Size * x.Shape[i]);
            else kinds.Add((red, x.Shape[i]));
        }
        if (x.Length == 0 || kinds.Count == 0 || kinds.All(k => !k.Reduced))
        {
            if (x.Length == 0) Fill(y, 0f); else Copy(x, y);
            return;
        }
        if (kinds.Count <= 3 && kinds.Count(k => k.Reduced) == 1)
        {
            int at = kinds.FindIndex(k => k.Reduced);
            long outer = at > 0 ? kinds[0].Size : 1, inner = at < kinds.Count - 1 ? kinds[^1].Size : 1;
            Reduce(ReduceOp.Sum, x, checked((int)outer), checked((int)kinds[at].Size), checked((int)inner), y, null);
            return;
        }
        // General pattern: accumulate with zero strides on the reduced axes (atomics in StridedCopy).
        Fill(y, 0f);
        var yStrides = y.Shape.Strides();
        for (int i = 0; i < y.Rank; i++) if (y.Shape[i] == 1) yStrides[i] = 0;
        StridedCopy(x, 0, x.Shape.Strides(), y, 0, yStrides, x.Shape.Dims, accumulate: true);
    }
}
