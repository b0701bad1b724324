using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using DenseDino.Backends.Cpu.Kernels;

namespace DenseDino.Benchmarks;

/// <summary>Short job (a few minutes for every shape) plus the GFLOP/s column.</summary>
public sealed class SgemmConfig : ManualConfig
{
    public SgemmConfig()
    {
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));
        AddColumn(new GflopsColumn());
    }
}

[Config(typeof(SgemmConfig))]
public unsafe class SgemmBenchmarks
{
    private float* a, b, c;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        a = Alloc((long)s.Batch * s.M * s.K);
        b = Alloc((long)(s.SharedB ? 1 : s.Batch) * s.K * s.N);
        c = Alloc((long)s.Batch * s.M * s.N);
    }

    [Benchmark]
    public void Sgemm() => Run(Shape, a, b, c, Threads);

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(a);
        NativeMemory.AlignedFree(b);
        NativeMemory.AlignedFree(c);
    }

    internal static void Run(GemmShape s, float* a, float* b, float* c, int threads) =>
        Backends.Cpu.Kernels.Sgemm.Run(s.Batch, s.M, s.N, s.K, 1f,
            a, (long)s.M * s.K, s.TransA ? s.M : s.K, s.TransA,
            b, s.SharedB ? 0 : (long)s.K * s.N, s.TransB ? s.K : s.N, s.TransB,
            0f, c, (long)s.M * s.N, s.N, null, threads);

    internal static float* Alloc(long count)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var rng = new Random(1);
        for (long i = 0; i < count; i++) p[i] = rng.NextSingle() * 2 - 1;
        return p;
    }
}
