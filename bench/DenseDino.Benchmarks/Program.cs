using BenchmarkDotNet.Running;
using DenseDino.Benchmarks;

// `-- quick [threads]`: a Stopwatch sweep over the GEMM shapes for fast tuning loops;
// `-- step [--img 224 --batch 8 ...]`: whole training steps, one JSON line like ../shared/peers;
// `-- data [--data DIR --img 224 --batch 64 --workers N]`: the data pipeline alone (images/s);
// `-- gpu-gemm [--backend cuda --scale 1]`: our ILGPU SGEMM kernel against cuBLAS, TFLOP/s;
// `-- peak [threads]`: the machine's float32 FMA peak (the ceiling for GEMM, measured, not from a data sheet);
// anything else goes to BenchmarkDotNet (e.g. `-- --filter '*Sgemm*'`).
if (args.Length > 0 && args[0] == "step")
{
    StepBench.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "data")
{
    DataBench.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "quick")
{
    QuickGemm.Run(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : null);
    return;
}
if (args.Length > 0 && args[0] == "gpu-gemm")
{
    DeviceGemm.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "peak")
{
    PeakFlops.Run(args.Length > 1 ? int.Parse(args[1]) : 2);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(SgemmBenchmarks).Assembly).Run(args);
