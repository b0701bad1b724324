using DenseDino.Numerics.Memory;

namespace DenseDino.Numerics;

/// <summary>
/// The primitives a backend supplies. Arguments are validated by the ops layer before they
/// get here: tensors are contiguous, shapes agree, outputs are distinct from inputs unless
/// documented. Order: sources, parameters, destinations. Every output is fully overwritten
/// unless the method says it accumulates.
/// </summary>
public interface IBackend : IDisposable
{
    string Name { get; }
    BufferPool Pool { get; }

    // ---- memory ----
    /// <summary>A new raw buffer of at least <paramref name="length"/> floats (the pool calls this).</summary>
    DeviceBuffer Allocate(long length);
    void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long offset);
    void Download(DeviceBuffer source, long offset, Span<float> destination);
    void Fill(Tensor y, float value);
    /// <summary>y = x (same length).</summary>
    void Copy(Tensor x, Tensor y);

    // ---- element-wise ----
    /// <summary>y = f(x; alpha).</summary>
    void Unary(UnaryOp op, Tensor x, float alpha, Tensor y);
    /// <summary>dx = dy * f'(x) where y = f(x) was the forward output; accumulate adds into dx.</summary>
    void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, float alpha, Tensor dx, bool accumulate);
    /// <summary>y = a op b with numpy broadcasting of a and b to y's shape.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);
    /// <summary>Sums x over the axes along which y (same rank, dims 1 or equal) was broadcast.</summary>
    void SumToShape(Tensor x, Tensor y);
    /// <summary>
    /// x viewed as [outer, n, inner] reduced over n into y [outer, inner]; Max also writes the arg-max index (as float)
    /// into indices. Sum and Mean add into y when <paramref name="accumulate"/> (a parameter's gradient slot, say).
    /// </summary>
    void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices, bool accumulate = false);
    /// <summary>dx [outer, n, inner] = 0 except dx[o, indices[o,i], i] = dy[o, i].</summary>
    void MaxBackward(Tensor dy, Tensor indices, int outer, int n, int inner, Tensor dx);

    // ---- movement ----
    /// <summary>
    /// General strided copy: for every index i of <paramref name="shape"/>,
    /// y[yOffset + i·yStrides] = x[xOffset + i·xStrides] (offsets are relative to the tensors); accumulate adds instead.
    /// </summary>
    void StridedCopy(Tensor x, long xOffset, ReadOnlySpan<long> xStrides, Tensor y, long yOffset, ReadOnlySpan<long> yStrides, ReadOnlySpan<int> shape, bool accumulate);
    /// <summary>x [outer, n, inner] → y [outer, indices.Length, inner], y[o, j, i] = x[o, indices[j], i].</summary>
    void IndexSelect(Tensor x, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor y);
    /// <summary>dx [outer, n, inner] += scatter of dy [outer, indices.Length, inner] (repeated indices accumulate).</summary>
    void IndexAdd(Tensor dy, int outer, int n, int inner, ReadOnlySpan<int> indices, Tensor dx);

    /// <summary>
    /// images [N, 3, H, W] = lut[c·256 + byte] from packed 8-bit RGB (H·W·3 bytes per image, pixel-major, as
    /// decoded), 4 bytes per element of <paramref name="packed"/> (little-endian), image i starting at element
    /// i·<see cref="PixelPacking.FloatsPerImage"/>: the data loader's ToTensor + Normalize, done where the images
    /// are used so that a device receives a quarter of the bytes. lut [3, 256].
    /// </summary>
    void PixelsToChw(Tensor packed, Tensor lut, Tensor images);

    // ---- matrix multiply ----
    /// <summary>
    /// C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] + bias (per column), row-major; see <see cref="GemmShape"/>.
    /// With <paramref name="addend"/> (shaped like a dense C), beta scales it instead of C's old contents:
    /// a transformer block's residual, which a device GEMM can read as its C while writing D elsewhere.
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor? bias, in GemmShape shape, float alpha, float beta, Tensor c, Tensor? addend = null);

    // ---- fused row ops (x viewed as [rows, dim]) ----
    void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);
    /// <summary>dx is overwritten (added to when accumulateDx); dgamma and dbeta are accumulated into (they are parameter-shaped).</summary>
    void LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, bool accumulateDx = false);
    /// <summary>
    /// Numerically stable softmax (log: log-softmax) over the last axis of (x − shift)·scale; shift null or one row of the
    /// last axis' length, broadcast (DINO's teacher centering and temperature, fused: no K-wide intermediates).
    /// </summary>
    void Softmax(Tensor x, bool log, Tensor y, Tensor? shift = null, float scale = 1f);
    void SoftmaxBackward(Tensor y, Tensor dy, bool log, Tensor dx);
    /// <summary>y = x / max(||x||, eps) per row (F.normalize); norm [rows] saved.</summary>
    void L2Normalize(Tensor x, float eps, Tensor y, Tensor norm);
    void L2NormalizeBackward(Tensor x, Tensor norm, Tensor dy, float eps, Tensor dx);
    /// <summary>w = g[r] · v[r,:] / ||v[r,:]||; norm [rows] saved.</summary>
    void WeightNorm(Tensor g, Tensor v, Tensor w, Tensor norm);
    void WeightNormBackward(Tensor g, Tensor v, Tensor norm, Tensor dw, Tensor dg, Tensor dv);
    /// <summary>
    /// loss[r] = -Σ t[r,:] · log_softmax(scale·s[r,:]) (scale: a softmax temperature's inverse, folded in so
    /// no scaled copy of the logits exists); logSumExp [rows] of scale·s saved for backward.
    /// </summary>
    void SoftCrossEntropy(Tensor targets, Tensor logits, float scale, Tensor loss, Tensor logSumExp);
    /// <summary>ds[r,:] = scale · dloss[r] · (softmax(scale·s[r,:]) · Σt[r,:] − t[r,:]).</summary>
    void SoftCrossEntropyBackward(Tensor targets, Tensor logits, float scale, Tensor logSumExp, Tensor dloss, Tensor dlogits);

    // ---- attention ----
    // Operands are strided views (HeadView), so q, k, v are read in place from a packed qkv
    // projection and outputs written in merged [B, L, H·Dh] layout: no head split/merge copies.
    // Gradient views are overwritten; they may be disjoint views of one tensor (a packed dqkv).

    /// <summary>
    /// out = softmax(q·kᵀ·scale + mask)·v per (batch, head): q/out [B, H, Lq, Dh], k/v [B, H, Lk, Dh]
    /// as views; mask additive [Lq, Lk] shared by all (or null); probs [B, H, Lq, Lk] saved for backward.
    /// </summary>
    void Attention(in AttentionShape s, in QkvViews x, Tensor? mask, float scale, in HeadView output, Tensor probs);
    /// <summary>accumulate: dx's q, k and v views are added to, not overwritten.</summary>
    void AttentionBackward(in AttentionShape s, in QkvViews x, Tensor probs, in HeadView dOutput, float scale, in QkvViews dx, bool accumulate = false);
    /// <summary>
    /// Reference-token attention: ref query i (of Lq) attends to the Lk patch keys plus its own key
    /// (refs.K row i), softmax over those Lk + 1 logits, and mixes the patch values plus its own value.
    /// probs [B, H, Lq, Lk + 1] (own key last) saved for backward.
    /// </summary>
    void RefAttention(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, float scale, in HeadView output, Tensor probs);
    /// <summary>dRefs is overwritten; dPatchK and dPatchV are added to when accumulatePatches.</summary>
    void RefAttentionBackward(in AttentionShape s, in QkvViews refs, in HeadView patchK, in HeadView patchV, Tensor probs, in HeadView dOutput, float scale,
        in QkvViews dRefs, in HeadView dPatchK, in HeadView dPatchV, bool accumulatePatches = false);

    // ---- resampling ----
    /// <summary>F.grid_sample(input [N,C,H,W], grid [N,Ho,Wo,2], bicubic, zeros, align_corners=False) → output [N,C,Ho,Wo].</summary>
    void GridSampleBicubic(Tensor input, Tensor grid, Tensor output);
    /// <summary>dInput and dGrid are overwritten (either may be null when not needed).</summary>
    void GridSampleBicubicBackward(Tensor input, Tensor grid, Tensor dOutput, Tensor? dInput, Tensor? dGrid);
    /// <summary>F.interpolate(bicubic, align_corners=False): input [N,C,H,W] → output [N,C,Ho,Wo]; scaleH/scaleW &gt; 0 are the user's scale factors (used in the coordinate map), else H/Ho.</summary>
    void InterpolateBicubic(Tensor input, double scaleH, double scaleW, Tensor output);
    void InterpolateBicubicBackward(Tensor dOutput, double scaleH, double scaleW, Tensor dInput);

    // ---- randomness ----
    /// <summary>mask[i] = 0 with probability p else 1/(1-p), from a counter-based hash of (seed, i): identical on every backend.</summary>
    void DropoutMask(ulong seed, float p, Tensor mask);

    // ---- optimiser ----
    /// <summary>result[k] = Σ x² over segments[k], for every k (device scalars: the step need not sync).</summary>
    void SumOfSquares(Tensor x, ReadOnlySpan<FlatSegment> segments, Tensor result);
    /// <summary>x *= min(1, maxNorm / (sqrt(sumSquares[index]) + 1e-6)).</summary>
    void ClipByNorm(Tensor x, Tensor sumSquares, int index, float maxNorm);
    /// <summary>
    /// One decoupled-weight-decay Adam step (torch.optim.AdamW) of every segment of param, updating m and v there,
    /// all four (and the teacher) laid out alike: many parameters in one pass. The gradient is read through
    /// ClipByNorm's factor and the teacher gets the EMA of the new param when <paramref name="pass"/> says so
    /// (each exactly as the separate primitive computes it; grad is never written). Elements outside every
    /// segment are not touched.
    /// </summary>
    void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, ReadOnlySpan<AdamWSegment> segments, in AdamWPass pass);
    /// <summary>teacher = momentum·teacher + (1 − momentum)·student.</summary>
    void Ema(Tensor teacher, Tensor student, float momentum);
}
