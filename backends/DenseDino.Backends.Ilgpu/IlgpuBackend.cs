using System.Runtime.InteropServices;
using DenseDino.Backends.Ilgpu.Cuda;
using DenseDino.Numerics;
using DenseDino.Numerics.Memory;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace DenseDino.Backends.Ilgpu;

/// <summary>
/// IBackend on an ILGPU accelerator (CUDA, OpenCL or ILGPU's CPU simulator). Every primitive
/// runs as device kernels on one stream; the host only computes launch parameters and small
/// index tables. The primitives live in Operators/ as partial classes, one file per family.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    private readonly Context? ownedContext;

    /// <summary>Wraps an accelerator the caller owns (it is not disposed with the backend).</summary>
    public IlgpuBackend(Accelerator accelerator, IlgpuOptions? options = null) : this(accelerator, null, options ?? IlgpuOptions.Default) { }

    private IlgpuBackend(Accelerator accelerator, Context? owned, IlgpuOptions options)
    {
        Accelerator = accelerator;
        ownedContext = owned;
        Options = options;
        K = new IlgpuKernels(accelerator);
        (blas, GemmEngineName) = ChooseGemm(accelerator, options);
        (biasGemm, string epilogueNote) = ChooseBiasEpilogue(accelerator, options.BiasEpilogue);
        GemmEngineName += epilogueNote;
        // Row kernels use power-of-two groups; the CPU simulator pays per thread at every barrier.
        int max = Math.Min(Kernels.DeviceMath.MaxGroup, accelerator.MaxNumThreadsPerGroup);
        int cap = accelerator.AcceleratorType == AcceleratorType.CPU ? 32 : max;
        RowGroup = 1;
        while (RowGroup * 2 <= Math.Min(max, cap)) RowGroup *= 2;
        Pool = new BufferPool(Allocate);
        SplitKTargetBlocks = 2 * accelerator.NumMultiprocessors;
    }

    // Auto (null) takes the epilogue where it can run and says in the name when it cannot; true fails instead.
    private (CuBlasLtBiasGemm?, string) ChooseBiasEpilogue(Accelerator accelerator, bool? wanted)
    {
        if (wanted == false) return (null, "");
        if (blas is null || accelerator is not CudaAccelerator cuda)
        {
            if (wanted == true)
                throw new ArgumentException($"bias epilogue needs cuBLAS on a CUDA device; this backend's GEMM is {GemmEngineName}");
            return (null, "");
        }
        try
        {
            return (new CuBlasLtBiasGemm(cuda, Options.Precision), "+lt-bias");
        }
        catch (DllNotFoundException) when (wanted is null)
        {
            return (null, " (bias folded: cuBLASLt not found)");
        }
    }

    public Accelerator Accelerator { get; }
    public IlgpuOptions Options { get; }
    /// <summary>What runs matrix products: "cublas", "cublas-tf32", "cublas-bf16" or "kernel" (with the reason cuBLAS was not used).</summary>
    public string GemmEngineName { get; }
    public string Name => $"ilgpu-{Accelerator.AcceleratorType.ToString().ToLowerInvariant()}({Accelerator.Name}; gemm {GemmEngineName})";
    public BufferPool Pool { get; }
    internal IlgpuKernels K { get; }
    /// <summary>Threads per group of the row kernels (a power of two ≤ 256).</summary>
    internal int RowGroup { get; }

    /// <summary>A CPU device whose groups hold 256 threads (the GEMM kernel's 16×16 groups); ILGPU's default allows 16.</summary>
    public static CPUDevice SimulatorDevice { get; } = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 64, numMultiprocessors: 1);

    /// <summary>
    /// A backend on device <paramref name="device"/> of <paramref name="kind"/> (cuda | opencl | ilgpu-cpu).
    /// Fails with the list of devices ILGPU found when that one does not exist.
    /// </summary>
    public static IlgpuBackend Create(string kind, int device = 0, IlgpuOptions? options = null)
    {
        var type = kind.ToLowerInvariant() switch
        {
            "cuda" => AcceleratorType.Cuda,
            "opencl" => AcceleratorType.OpenCL,
            "ilgpu-cpu" => AcceleratorType.CPU,
            _ => throw new ArgumentException($"IlgpuBackend: unknown kind '{kind}' (expected cuda, opencl or ilgpu-cpu)", nameof(kind)),
        };
        var context = NewContext();
        try
        {
            var matches = context.Devices.Where(d => d.AcceleratorType == type).ToList();
            if (device < 0 || device >= matches.Count)
            {
                var found = context.Devices.Select((d, i) => $"{d.AcceleratorType} '{d.Name}'").ToList();
                throw new InvalidOperationException(
                    $"IlgpuBackend: no {kind} device #{device} ({matches.Count} {kind} device(s)); ILGPU found: " +
                    (found.Count == 0 ? "none" : string.Join(", ", found)));
            }
            var accelerator = matches[device].CreateAccelerator(context);
            try
            {
                return new IlgpuBackend(accelerator, context, options ?? IlgpuOptions.Default);
            }
            catch
            {
                accelerator.Dispose();
                throw;
            }
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A context with CUDA, OpenCL, the 256-thread CPU simulator and ILGPU.Algorithms (XMath).</summary>
    public static Context NewContext() =>
        Context.Create(b => b.Cuda().OpenCL().CPU(SimulatorDevice).EnableAlgorithms());

    public DeviceBuffer Allocate(long length) => new IlgpuBuffer(Accelerator, length);

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long offset)
    {
        if (source.Length == 0) return;
        ((IlgpuBuffer)destination).View(offset, source.Length).CopyFromCPU(source);
    }

    public void Download(DeviceBuffer source, long offset, Span<float> destination)
    {
        if (destination.Length == 0) return;
        ((IlgpuBuffer)source).View(offset, destination.Length).CopyToCPU(destination);
    }

    public void Synchronize() => Accelerator.Synchronize();

    public void Dispose()
    {
        Accelerator.Synchronize();
        biasGemm?.Dispose();
        blas?.Dispose();
        Pool.Dispose();
        if (ownedContext is not null)
        {
            Accelerator.Dispose();
            ownedContext.Dispose();
        }
    }

    // ---- helpers used by the operator files ----
    /// <summary>The tensor's elements as a device view.</summary>
    internal static ArrayView<float> V(Tensor t) => ((IlgpuBuffer)t.Buffer).View(t.Offset, Math.Max(t.Length, 1));

    /// <summary>The whole buffer under a tensor (for kernels that add their own offsets).</summary>
    internal static ArrayView<float> Whole(Tensor t) => ((IlgpuBuffer)t.Buffer).Memory.View;

    internal static Index1D Count(long n) => new(checked((int)n));

    /// <summary>
    /// One group per row of length d, sized to the row: the power of two in [32, RowGroup] nearest
    /// d/4, so short rows (LayerNorm at 192, attention at ~200) do not leave most threads idle at
    /// every barrier, while long rows (65536 logits) keep the full group.
    /// </summary>
    internal KernelConfig Rows(long rows, long d)
    {
        int g = Math.Min(32, RowGroup);
        while (g < RowGroup && g * 4L < d) g *= 2;
        return new(new Index1D(checked((int)rows)), new Index1D(g));
    }

    /// <summary>Copies host ints into a pooled device buffer (returned after the launch; the stream keeps order).</summary>
    internal DeviceBuffer UploadInts(ReadOnlySpan<int> values) => UploadStructs(values).Buffer;

    /// <summary>Host structs copied into a pooled device buffer, and a typed view of them (returned after the launch; the stream keeps order).</summary>
    internal (DeviceBuffer Buffer, ArrayView<T> View) UploadStructs<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var floats = MemoryMarshal.Cast<T, float>(values);
        var buffer = Pool.Rent(Math.Max(floats.Length, 1));
        Upload(floats, buffer, 0);
        return (buffer, ((IlgpuBuffer)buffer).View(0, Math.Max(floats.Length, 1)).Cast<T>());
    }

    internal static ArrayView<int> IntView(DeviceBuffer buffer, long offset, long length) =>
        ((IlgpuBuffer)buffer).View(offset, Math.Max(length, 1)).Cast<int>();
}
