using BenchmarkDotNet.Attributes;
using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Benchmarks;

/// <summary>
/// Memory-bound primitives at ViT-Tiny training shapes (32 views × 197 tokens = 6304 rows):
/// element-wise add (same shape and bias broadcast), GELU, softmax, LayerNorm forward/backward.
/// Throughput = bytes moved / time; compare with the machine's memory bandwidth.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 6)]
public class RowOpBenchmarks
{
    private const int Rows = 6304;
    private CpuBackend backend = null!;
    private Tensor x = null!, x2 = null!, y = null!, bias = null!, gamma = null!, beta = null!, mean = null!, rstd = null!, dx = null!, dg = null!, db = null!;
    private Tensor wide = null!, wideOut = null!;

    [Params(192, 768)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = new CpuBackend(threads: 2);
        var rng = new Random(1);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        x = Tensor.FromArray(backend, Rand(Rows * Dim), [Rows, Dim]);
        x2 = Tensor.FromArray(backend, Rand(Rows * Dim), [Rows, Dim]);
        y = Tensor.Empty(backend, [Rows, Dim]);
        dx = Tensor.Empty(backend, [Rows, Dim]);
        bias = Tensor.FromArray(backend, Rand(Dim), [Dim]);
        gamma = Tensor.FromArray(backend, Rand(Dim), [Dim]);
        beta = Tensor.FromArray(backend, Rand(Dim), [Dim]);
        dg = Tensor.Zeros(backend, [Dim]);
        db = Tensor.Zeros(backend, [Dim]);
        mean = Tensor.Empty(backend, [Rows]);
        rstd = Tensor.Empty(backend, [Rows]);
        // The DINO head's logits: 64 rows × 65536 classes.
        wide = Tensor.FromArray(backend, Rand(64 * 65536), [64, 65536]);
        wideOut = Tensor.Empty(backend, [64, 65536]);
    }

    [Benchmark] public void Add() => backend.Binary(BinaryOp.Add, x, x2, y);
    [Benchmark] public void AddBias() => backend.Binary(BinaryOp.Add, x, bias, y);
    [Benchmark] public void Gelu() => backend.Unary(UnaryOp.Gelu, x, 0, y);
    [Benchmark] public void GeluBackward() => backend.UnaryBackward(UnaryOp.Gelu, x, y, x2, 0, dx, accumulate: false);
    [Benchmark] public void LayerNorm() => backend.LayerNorm(x, gamma, beta, 1e-6f, y, mean, rstd);
    [Benchmark] public void LayerNormBackward() => backend.LayerNormBackward(x, gamma, mean, rstd, x2, dx, dg, db);
    [Benchmark] public void SoftmaxRows() => backend.Softmax(x, log: false, y);
    [Benchmark] public void LogSoftmax65536() => backend.Softmax(wide, log: true, wideOut);

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();
}
