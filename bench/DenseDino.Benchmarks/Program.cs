using BenchmarkDotNet.Running;
using DenseDino.Benchmarks;

// `-- quick [threads]`: a Stopwatch sweep over the GEMM shapes for fast tuning loops;
// anything else goes to BenchmarkDotNet (e.g. `-- --filter '*Sgemm*'`).
if (args.Length > 0 && args[0] == "quick")
{
    QuickGemm.Run(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : null);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(SgemmBenchmarks).Assembly).Run(args);
