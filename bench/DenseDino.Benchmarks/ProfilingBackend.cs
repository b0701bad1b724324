using System.Diagnostics;
using DenseDino.Numerics;
using DenseDino.Numerics.Memory;

namespace DenseDino.Benchmarks;

/// <summary>
/// Forwards every primitive to another backend and times it, synchronising the device after each
/// call, so a step's time splits by primitive (launch overhead included). For profiling only: the
/// syncs remove the overlap of host and device work.
/// </summary>
internal sealed class ProfilingBackend(IBackend target, Action synchronize) : IBackend
{
    private readonly Dictionary<string, (int Calls, double Ms)> totals = new();
    public bool Enabled { get; set; }

    public string Name => target.Name + " (profiled)";
    public BufferPool Pool => target.Pool;
    public DeviceBuffer Allocate(long length) => target.Allocate(length);
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long offset) { long t0 = Start(); target.Upload(source, destination, offset); Stop("Upload", t0); }
    public void Download(DeviceBuffer source, long offset, Span<float> destination) { long t0 = Start(); target.Download(source, offset, destination); Stop("Download", t0); }
    public void Fill(Tensor y, float value) { long t0 = Start(); target.Fill(y, value); Stop($"Fill {y.Shape}", t0); }
    public void Copy(Tensor x, Tensor y) { long t0 = Start(); target.Copy(x, y); Stop("Copy", t0); }
    public void Unary(UnaryOp op, Tensor x, float alpha, Tensor y) { long t0 = Start(); target.Unary(op, x, alpha, y); Stop("Unary." + op, t0); }
    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, float alpha, Tensor dx, bool accumulate) { long t0 = Start(); target.UnaryBackward(op, x, y, dy, alpha, dx, accumulate); Stop("UnaryBackward." + op, t0); }
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) { long t0 = Start(); target.Binary(op, a, b, y); Stop($"Binary.{op} {a.Shape}+{b.Shape}", t0); }
    public void SumToShape(Tensor x, Tensor y) { long t0 = Start(); target.SumToShape(x, y); Stop("SumToShape", t0); }
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices, bool accumulate = false) { long t0 = Start(); target.Reduce(op, x, outer, n, inner, y, indices, accumulate); Stop("Reduce." + op + (inner == 1 ? " rows" : " cols"), t0); }
    public void MaxBackward(Tensor dy, Tensor indices, int outer, int n, int inner, Tensor dx) { long t0 = Start(); target.MaxBackward(dy, indices, outer, n, inner, dx); Stop("MaxBackward", t0); }
    public void StridedCopy(Tensor x, long xOffset, ReadOnlySpan<long> xStrides, Tensor y, long yOffset, ReadOnlySpan<long> yStrides, ReadOnlySpan<int> shape, bool accumulate) { long t0 = Start(); target.StridedCopy(x, xOffset, xStrides, y, yOffset, yStrides, shape, accumulate); Stop($"StridedCopy {string.Join("x", shape.ToArray())} ys={string.Join(",", yStrides.ToArray())}{(accumulate ? " acc" : "")}", t0); }
    public void IndexSelect(Tensor x, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor y) { long t0 = Start(); target.IndexSelect(x, outer, n, inner, indices, y); Stop("IndexSelect", t0); }
    public void IndexAdd(Tensor dy, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor dx) { long t0 = Start(); target.IndexAdd(dy, outer, n, inner, indices, dx); Stop("IndexAdd", t0); }
    public void PixelsToChw(Tensor packed, Tensor lut, Tensor images) { long t0 = Start(); target.PixelsToChw(packed, lut, images); Stop($"PixelsToChw {images.Shape}", t0); }
    public void MatMul(Tensor a, Tensor b, Tensor? bias, in DenseDino.Numerics.GemmShape shape, float alpha, float beta, Tensor c, Tensor? addend = null) { long t0 = Start(); target.MatMul(a, b, bias, in shape, alpha, beta, c, addend); Stop($"MatMul {shape.Batch}x{shape.M}x{shape.N}x{shape.K}{(shape.TransA ? " tA" : "")}{(shape.TransB ? " tB" : "")}{(addend is null ? "" : " +C")}", t0); }
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) { long t0 = Start(); target.LayerNorm(x, gamma, beta, eps, y, mean, rstd); Stop("LayerNorm", t0); }
    public void LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, bool accumulateDx = false) { long t0 = Start(); target.LayerNormBackward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, accumulateDx); Stop("LayerNormBackward", t0); }
    public void Softmax(Tensor x, bool log, Tensor y, Tensor? shift = null, float scale = 1f) { long t0 = Start(); target.Softmax(x, log, y, shift, scale); Stop((log ? "LogSoftmax" : "Softmax") + (shift is null ? "" : " shifted"), t0); }
    public void SoftmaxBackward(Tensor y, Tensor dy, bool log, Tensor dx) { long t0 = Start(); target.SoftmaxBackward(y, dy, log, dx); Stop("SoftmaxBackward", t0); }
    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norm) { long t0 = Start(); target.L2Normalize(x, eps, y, norm); Stop("L2Normalize", t0); }
    public void L2NormalizeBackward(Tensor x, Tensor norm, Tensor dy, float eps, Tensor dx) { long t0 = Start(); target.L2NormalizeBackward(x, norm, dy, eps, dx); Stop("L2NormalizeBackward", t0); }
    public void WeightNorm(Tensor g, Tensor v, Tensor w, Tensor norm) { long t0 = Start(); target.WeightNorm(g, v, w, norm); Stop("WeightNorm", t0); }
    public void WeightNormBackward(Tensor g, Tensor v, Tensor norm, Tensor dw, Tensor dg, Tensor dv) { long t0 = Start(); target.WeightNormBackward(g, v, norm, dw, dg, dv); Stop("WeightNormBackward", t0); }
    public void SoftCrossEntropy(Tensor targets, Tensor logits, float scale, Tensor loss, Tensor logSumExp) { long t0 = Start(); target.SoftCrossEntropy(targets, logits, scale, loss, logSumExp); Stop("SoftCrossEntropy", t0); }
    public void SoftCrossEntropyBackward(Tensor targets, Tensor logits, float scale, Tensor logSumExp, Tensor dloss, Tensor dlogits) { long t0 = Start(); target.SoftCrossEntropyBackward(targets, logits, scale, logSumExp, dloss, dlogits); Stop("SoftCrossEntropyBackward", t0); }
    public void Attention(in AttentionShape s, in QkvViews x, Tensor? mask, float scale, in HeadView output, Tensor probs) { long t0 = Start(); target.Attention(s, x, mask, scale, output, probs); Stop("Attention", t0); }
    public void AttentionBackward(in AttentionShape s, in QkvViews x, Tensor probs, in HeadView dOutput, float scale, in QkvViews dx, bool accumulate = false) { long t0 = Start(); target.AttentionBackward(s, x, probs, dOutput, scale, dx, accumulate); Stop("AttentionBackward", t0); }
    public void RefAttention(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, float scale, in HeadView output, Tensor probs) { long t0 = Start(); target.RefAttention(s, refs, patchK, patchV, scale, output, probs); Stop("RefAttention", t0); }
    public void RefAttentionBackward(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, Tensor probs, in HeadView dOutput, float scale, in QkvViews dRefs, in HeadView dPatchK, in HeadView dPatchV, bool accumulatePatches = false) { long t0 = Start(); target.RefAttentionBackward(s, refs, patchK, patchV, probs, dOutput, scale, dRefs, dPatchK, dPatchV, accumulatePatches); Stop("RefAttentionBackward", t0); }
    public void GridSampleBicubic(Tensor input, Tensor grid, Tensor output) { long t0 = Start(); target.GridSampleBicubic(input, grid, output); Stop("GridSampleBicubic", t0); }
    public void GridSampleBicubicBackward(Tensor input, Tensor grid, Tensor dOutput, Tensor? dInput, Tensor? dGrid) { long t0 = Start(); target.GridSampleBicubicBackward(input, grid, dOutput, dInput, dGrid); Stop("GridSampleBicubicBackward", t0); }
    public void InterpolateBicubic(Tensor input, double scaleH, double scaleW, Tensor output) { long t0 = Start(); target.InterpolateBicubic(input, scaleH, scaleW, output); Stop("InterpolateBicubic", t0); }
    public void InterpolateBicubicBackward(Tensor dOutput, double scaleH, double scaleW, Tensor dInput) { long t0 = Start(); target.InterpolateBicubicBackward(dOutput, scaleH, scaleW, dInput); Stop("InterpolateBicubicBackward", t0); }
    public void DropoutMask(ulong seed, float p, Tensor mask) { long t0 = Start(); target.DropoutMask(seed, p, mask); Stop("DropoutMask", t0); }
    public void SumOfSquares(Tensor x, ReadOnlySpan<FlatSegment> segments, Tensor result) { long t0 = Start(); target.SumOfSquares(x, segments, result); Stop("SumOfSquares", t0); }
    public void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm) { long t0 = Start(); target.ClipByNorm(x, sumSquares, index, maxNorm); Stop("ClipByNorm", t0); }
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, ReadOnlySpan<AdamWSegment> segments, in AdamWPass pass) { long t0 = Start(); target.AdamW(param, grad, m, v, segments, in pass); Stop("AdamW", t0); }
    public void Ema(Tensor teacher, Tensor student, float momentum) { long t0 = Start(); target.Ema(teacher, student, momentum); Stop("Ema", t0); }
    public void Dispose() => target.Dispose();

    /// <summary>Per primitive: calls and milliseconds, summed over the profiled steps, largest first.</summary>
    public IEnumerable<(string Name, int Calls, double Ms)> Totals => totals.Select(kv => (kv.Key, kv.Value.Calls, kv.Value.Ms)).OrderByDescending(x => x.Ms);

    private long Start() => Stopwatch.GetTimestamp();

    private void Stop(string name, long t0)
    {
        if (!Enabled) return;
        synchronize();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var (calls, sum) = totals.TryGetValue(name, out var v) ? v : (0, 0);
        totals[name] = (calls + 1, sum + ms);
    }
}
