// TorchSharp (libtorch + MKL) timing of the GEMM shapes in bench/DenseDino.Benchmarks/GemmShape.cs.
// gemm-peers.sh drops this file, as Program.cs, into a scratch copy of /work/shared/peers/torchsharp.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

set_num_threads(args.Length > 0 ? int.Parse(args[0]) : 2);
(string name, int batch, int m, int n, int k, bool transB)[] shapes =
[
    ("512^3", 1, 512, 512, 512, false), ("1024^3", 1, 1024, 1024, 1024, false), ("2048^3", 1, 2048, 2048, 2048, false),
    ("qkv 197x192x576", 1, 197, 576, 192, false), ("qkv 6304x192x576", 1, 6304, 576, 192, false),
    ("attn 96x197x64x197", 96, 197, 197, 64, true), ("head 64x256x65536^T", 1, 64, 65536, 256, true),
];
foreach (var (name, batch, m, n, k, transB) in shapes)
{
    using var scope = NewDisposeScope();
    var a = batch > 1 ? randn(batch, m, k) : randn(m, k);
    var bStored = transB ? (batch > 1 ? randn(batch, n, k) : randn(n, k)) : randn(k, n);
    // Same memory layout as ours: B^T is a view of a row-major [n, k] tensor, not a copy.
    var b = transB ? bStored.transpose(-1, -2) : bStored;
    var c = batch > 1 ? empty(batch, m, n) : empty(m, n);
    Action op = batch > 1 ? () => bmm_out(a, b, c) : () => mm_out(a, b, c);
    for (int i = 0; i < 2; i++) op();
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    for (int rep = 0; rep < 30 && (rep < 5 || total.Elapsed.TotalSeconds < 2); rep++)
    {
        var sw = Stopwatch.StartNew();
        op();
        times.Add(sw.Elapsed.TotalSeconds);
    }
    times.Sort();
    double median = times[times.Count / 2], flops = 2.0 * batch * m * n * k;
    Console.WriteLine($"{{\"impl\":\"torchsharp-mkl\",\"shape\":\"{name}\",\"threads\":{get_num_threads()},\"reps\":{times.Count}," +
        $"\"median_ms\":{median * 1e3:F3},\"gflops\":{flops / median / 1e9:F1},\"best_gflops\":{flops / times[0] / 1e9:F1}}}");
}

// 2-D: in-place addmm_ with beta = 0 writes into the preallocated C, like torch.mm(out=) in the
// PyTorch script. TorchSharp has no in-place/out bmm, so the batched case allocates its result.
static void mm_out(Tensor a, Tensor b, Tensor c) => c.addmm_(a, b, beta: 0, alpha: 1);
static void bmm_out(Tensor a, Tensor b, Tensor c) => torch.bmm(a, b).Dispose();
