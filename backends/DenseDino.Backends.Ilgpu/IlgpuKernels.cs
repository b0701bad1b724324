using DenseDino.Backends.Ilgpu.Kernels;
using ILGPU.Runtime;
using V = ILGPU.ArrayView<float>;
using VI = ILGPU.ArrayView<int>;

namespace DenseDino.Backends.Ilgpu;

/// <summary>The kernels of one accelerator, each compiled on first use and then cached.</summary>
internal sealed class IlgpuKernels(Accelerator acc)
{
    private Action<Index1D, V, float>? fill;
    private Action<Index1D, V, V, int, float>? unary;
    private Action<Index1D, V, V, V, V, int, float, int>? unaryBackward;
    private Action<Index1D, V, V, V, int>? binarySame;
    private Action<Index1D, V, V, V, BroadcastArgs>? binaryBroadcast;
    private Action<Index1D, V, ulong, float, float>? dropout;
    private Action<Index1D, V, V, int, float>? clip;
    private Action<KernelConfig, V, V, V, V, V, V, ArrayView<SegmentPiece>, ArrayView<AdamSegmentArgs>, AdamPassArgs>? adamW;
    private Action<KernelConfig, V, ArrayView<SegmentPiece>, V>? pieceSumOfSquares;
    private Action<Index1D, V, VI, V>? segmentTotals;
    private Action<Index1D, V, V, float>? ema;
    private Action<Index1D, V, V, CopyArgs>? stridedCopy;
    private Action<Index1D, V, VI, V, int, int, int>? indexSelect, indexAdd;
    private Action<Index1D, V, V, V, int, int>? pixelsToChw;
    private Action<Index1D, V, V, V, ReduceArgs>? reduceColumns;
    private Action<KernelConfig, V, V, V, ReduceArgs>? reduceRows;
    private Action<Index1D, V, V, V, int, int>? maxBackward;
    private Action<KernelConfig, V, V, V, V, GemmArgs>? gemm;
    private Action<Index1D, V, V, GemmArgs>? gemmBiasInit;
    private Action<Index1D, V, V, V, GemmArgs, int>? gemmSplitReduce;
    private Action<KernelConfig, V, V, V, V, V, V, int, float>? layerNorm;
    private Action<KernelConfig, V, V, V, V, V, V, int, int>? layerNormBackward;
    private Action<Index1D, V, V, V, V, V, V, int, int>? layerNormParamGradPartial;
    private Action<KernelConfig, V, V, int, int, int, int>? sumChunks;
    private Action<Index1D, V, V, ReduceArgs>? reduceColumnsPartial;
    private Action<KernelConfig, V, V, V, int, int, int, float>? softmax;
    private Action<KernelConfig, V, V, V, int, int>? softmaxBackward;
    private Action<KernelConfig, V, V, V, int, float>? l2Normalize;
    private Action<KernelConfig, V, V, V, V, int, float>? l2NormalizeBackward;
    private Action<KernelConfig, V, V, V, V, int>? weightNorm;
    private Action<KernelConfig, V, V, V, V, V, V, int>? weightNormBackward;
    private Action<KernelConfig, V, V, V, V, int, float>? softCrossEntropy;
    private Action<KernelConfig, V, V, V, V, V, int, float>? softCrossEntropyBackward;
    private Action<KernelConfig, V, V, int, int, int>? maskedSoftmax;
    private Action<KernelConfig, V, V, int>? softmaxGradInPlace;
    private Action<Index1D, V, V, V, RefRowArgs>? refOwnDot, refOwnScale;
    private Action<Index1D, V, V, V, GridArgs>? gridSample;
    private Action<Index1D, V, V, V, GridArgs>? gridSampleBackwardInput;
    private Action<Index1D, V, V, V, V, GridArgs>? gridSampleBackwardGrid;
    private Action<Index1D, V, V, VI, V, VI, V, GridArgs>? interpolate, interpolateBackward;

    public Action<Index1D, V, float> Fill => fill ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, float>(ElementwiseKernels.Fill);
    public Action<Index1D, V, V, int, float> Unary => unary ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, int, float>(ElementwiseKernels.Unary);
    public Action<Index1D, V, V, V, V, int, float, int> UnaryBackward => unaryBackward ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, V, int, float, int>(ElementwiseKernels.UnaryBackward);
    public Action<Index1D, V, V, V, int> BinarySame => binarySame ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, int>(ElementwiseKernels.BinarySame);
    public Action<Index1D, V, V, V, BroadcastArgs> BinaryBroadcast => binaryBroadcast ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, BroadcastArgs>(ElementwiseKernels.BinaryBroadcast);
    public Action<Index1D, V, ulong, float, float> Dropout => dropout ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, ulong, float, float>(ElementwiseKernels.Dropout);
    public Action<Index1D, V, V, int, float> Clip => clip ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, int, float>(ElementwiseKernels.ClipByNorm);
    public Action<KernelConfig, V, V, V, V, V, V, ArrayView<SegmentPiece>, ArrayView<AdamSegmentArgs>, AdamPassArgs> AdamW =>
        adamW ??= acc.LoadStreamKernel<V, V, V, V, V, V, ArrayView<SegmentPiece>, ArrayView<AdamSegmentArgs>, AdamPassArgs>(OptimizerKernels.AdamW);
    public Action<KernelConfig, V, ArrayView<SegmentPiece>, V> PieceSumOfSquares =>
        pieceSumOfSquares ??= acc.LoadStreamKernel<V, ArrayView<SegmentPiece>, V>(OptimizerKernels.PieceSumOfSquares);
    public Action<Index1D, V, VI, V> SegmentTotals => segmentTotals ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, VI, V>(OptimizerKernels.SegmentTotals);
    public Action<Index1D, V, V, float> Ema => ema ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, float>(ElementwiseKernels.Ema);
    public Action<Index1D, V, V, CopyArgs> StridedCopy => stridedCopy ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, CopyArgs>(MovementKernels.StridedCopy);
    public Action<Index1D, V, VI, V, int, int, int> IndexSelect => indexSelect ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, VI, V, int, int, int>(MovementKernels.IndexSelect);
    public Action<Index1D, V, V, V, int, int> PixelsToChw => pixelsToChw ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, int, int>(MovementKernels.PixelsToChw);
    public Action<Index1D, V, VI, V, int, int, int> IndexAdd => indexAdd ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, VI, V, int, int, int>(MovementKernels.IndexAdd);
    public Action<Index1D, V, V, V, ReduceArgs> ReduceColumns => reduceColumns ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, ReduceArgs>(ReduceKernels.ReduceColumns);
    public Action<KernelConfig, V, V, V, ReduceArgs> ReduceRows => reduceRows ??= acc.LoadStreamKernel<V, V, V, ReduceArgs>(ReduceKernels.ReduceRows);
    public Action<Index1D, V, V, V, int, int> MaxBackward => maxBackward ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, int, int>(ReduceKernels.MaxBackward);
    public Action<KernelConfig, V, V, V, V, GemmArgs> Gemm => gemm ??= acc.LoadStreamKernel<V, V, V, V, GemmArgs>(GemmKernels.Gemm);
    public Action<Index1D, V, V, V, GemmArgs, int> GemmSplitReduce => gemmSplitReduce ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, GemmArgs, int>(GemmKernels.GemmSplitReduce);
    public Action<Index1D, V, V, GemmArgs> GemmBiasInit => gemmBiasInit ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, GemmArgs>(GemmKernels.GemmBiasInit);
    public Action<KernelConfig, V, V, V, V, V, V, int, float> LayerNorm => layerNorm ??= acc.LoadStreamKernel<V, V, V, V, V, V, int, float>(RowKernels.LayerNorm);
    public Action<KernelConfig, V, V, V, V, V, V, int, int> LayerNormBackward => layerNormBackward ??= acc.LoadStreamKernel<V, V, V, V, V, V, int, int>(RowKernels.LayerNormBackward);
    public Action<Index1D, V, V, V, V, V, V, int, int> LayerNormParamGradPartial => layerNormParamGradPartial ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, V, V, V, int, int>(RowKernels.LayerNormParamGradPartial);
    public Action<KernelConfig, V, V, int, int, int, int> SumChunks => sumChunks ??= acc.LoadStreamKernel<V, V, int, int, int, int>(ReduceKernels.SumChunks);
    public Action<Index1D, V, V, ReduceArgs> ReduceColumnsPartial => reduceColumnsPartial ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, ReduceArgs>(ReduceKernels.ReduceColumnsPartial);
    public Action<KernelConfig, V, V, V, int, int, int, float> Softmax => softmax ??= acc.LoadStreamKernel<V, V, V, int, int, int, float>(RowKernels.Softmax);
    public Action<KernelConfig, V, V, V, int, int> SoftmaxBackward => softmaxBackward ??= acc.LoadStreamKernel<V, V, V, int, int>(RowKernels.SoftmaxBackward);
    public Action<KernelConfig, V, V, V, int, float> L2Normalize => l2Normalize ??= acc.LoadStreamKernel<V, V, V, int, float>(RowKernels.L2Normalize);
    public Action<KernelConfig, V, V, V, V, int, float> L2NormalizeBackward => l2NormalizeBackward ??= acc.LoadStreamKernel<V, V, V, V, int, float>(RowKernels.L2NormalizeBackward);
    public Action<KernelConfig, V, V, V, V, int> WeightNorm => weightNorm ??= acc.LoadStreamKernel<V, V, V, V, int>(RowKernels.WeightNorm);
    public Action<KernelConfig, V, V, V, V, V, V, int> WeightNormBackward => weightNormBackward ??= acc.LoadStreamKernel<V, V, V, V, V, V, int>(RowKernels.WeightNormBackward);
    public Action<KernelConfig, V, V, V, V, int, float> SoftCrossEntropy => softCrossEntropy ??= acc.LoadStreamKernel<V, V, V, V, int, float>(RowKernels.SoftCrossEntropy);
    public Action<KernelConfig, V, V, V, V, V, int, float> SoftCrossEntropyBackward => softCrossEntropyBackward ??= acc.LoadStreamKernel<V, V, V, V, V, int, float>(RowKernels.SoftCrossEntropyBackward);
    public Action<KernelConfig, V, V, int, int, int> MaskedSoftmax => maskedSoftmax ??= acc.LoadStreamKernel<V, V, int, int, int>(RowKernels.MaskedSoftmax);
    public Action<KernelConfig, V, V, int> SoftmaxGradInPlace => softmaxGradInPlace ??= acc.LoadStreamKernel<V, V, int>(RowKernels.SoftmaxGradInPlace);
    public Action<Index1D, V, V, V, RefRowArgs> RefOwnDot => refOwnDot ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, RefRowArgs>(AttentionKernels.RefOwnDot);
    public Action<Index1D, V, V, V, RefRowArgs> RefOwnScale => refOwnScale ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, RefRowArgs>(AttentionKernels.RefOwnScale);
    public Action<Index1D, V, V, V, GridArgs> GridSample => gridSample ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, GridArgs>(ResampleKernels.GridSample);
    public Action<Index1D, V, V, V, GridArgs> GridSampleBackwardInput => gridSampleBackwardInput ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, GridArgs>(ResampleKernels.GridSampleBackwardInput);
    public Action<Index1D, V, V, V, V, GridArgs> GridSampleBackwardGrid => gridSampleBackwardGrid ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, V, GridArgs>(ResampleKernels.GridSampleBackwardGrid);
    public Action<Index1D, V, V, VI, V, VI, V, GridArgs> Interpolate => interpolate ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, VI, V, VI, V, GridArgs>(ResampleKernels.Interpolate);
    public Action<Index1D, V, V, VI, V, VI, V, GridArgs> InterpolateBackward => interpolateBackward ??= acc.LoadAutoGroupedStreamKernel<Index1D, V, V, VI, V, VI, V, GridArgs>(ResampleKernels.InterpolateBackward);
}
