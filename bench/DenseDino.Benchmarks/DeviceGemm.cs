using System.Diagnostics;
using DenseDino.Backends.Ilgpu;
using DenseDino.Numerics;

namespace DenseDino.Benchmarks;

using Shape = DenseDino.Numerics.GemmShape; // this namespace's GemmShape is the CPU sweep's record

/// <summary>
/// TFLOP/s of our register-tiled ILGPU SGEMM against cuBLAS on one device, at a square size and the
/// ViT-Tiny step's batch-64 shapes (the issue's yardstick: the kernel at >= 50% of cuBLAS fp32), and
/// cuBLAS with the bias folded into C against cuBLASLt's bias epilogue.
/// `gpu-gemm [--backend cuda|opencl|ilgpu-cpu] [--device N] [--scale S]`; S divides every size (smoke runs).
/// </summary>
internal static class DeviceGemm
{
    private static readonly (string Name, Shape Shape, bool Bias)[] Shapes =
    [
        ("4096^3", new Shape(1, 4096, 4096, 4096, false, false, 0, 0, 0), false),
        ("fc1 50432x768x192 tB", new Shape(1, 50432, 768, 192, false, true, 0, 0, 0), false),
        ("fc1 50432x768x192 tB +bias", new Shape(1, 50432, 768, 192, false, true, 0, 0, 0), true),
        ("qkv 50432x576x192 tB +bias", new Shape(1, 50432, 576, 192, false, true, 0, 0, 0), true),
        ("fc2 dX 50432x192x768", new Shape(1, 50432, 192, 768, false, false, 0, 0, 0), false),
        ("fc1 dW 768x192x50432 tA", new Shape(1, 768, 192, 50432, true, false, 0, 0, 0), false),
        ("scores 768x197x197x64 tB", new Shape(768, 197, 197, 64, false, true, 197L * 64, 197L * 64, 197L * 197), false),
    ];

    public static void Run(string[] args)
    {
        string kind = "cuda";
        int device = 0, scale = 1;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--backend": kind = args[i + 1]; break;
                case "--device": device = int.Parse(args[i + 1]); break;
                case "--scale": scale = int.Parse(args[i + 1]); break;
                default: throw new ArgumentException($"gpu-gemm: unknown option {args[i]}");
            }
        }
        IlgpuOptions[] engines = kind == "cuda"
            ? [new(GemmEngine.Kernel), new(GemmEngine.CuBlas, BiasEpilogue: false), new(GemmEngine.CuBlas, BiasEpilogue: true)]
            : [new(GemmEngine.Kernel)];
        foreach (var options in engines)
        {
            using var backend = IlgpuBackend.Create(kind, device, options);
            foreach (var (name, full, bias) in Shapes)
            {
                if (options.BiasEpilogue == true && !bias) continue;
                var s = Scaled(full, scale);
                double seconds = Time(backend, s, bias);
                Console.WriteLine($"{backend.GemmEngineName,-15} {name,-28} {(scale > 1 ? $"/{scale} " : "")}{s.Flops / seconds / 1e12,7:F2} TFLOP/s  ({seconds * 1e3:F3} ms)");
            }
        }
    }

    private static Shape Scaled(Shape s, int scale)
    {
        int m = Math.Max(1, s.M / scale), n = Math.Max(1, s.N / scale), k = Math.Max(1, s.K / scale);
        int batch = Math.Max(1, s.Batch / scale);
        return new Shape(batch, m, n, k, s.TransA, s.TransB, s.StrideA == 0 ? 0 : (long)m * k, s.StrideB == 0 ? 0 : (long)n * k, s.StrideC == 0 ? 0 : (long)m * n);
    }

    // Best of five rounds of back-to-back calls (about 50 ms each), synchronised at the end: seconds per GEMM.
    private static double Time(IlgpuBackend backend, Shape s, bool withBias)
    {
        var rng = new Random(1);
        float[] Random(long n) => Enumerable.Range(0, checked((int)n)).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        using var scope = TensorScope.Untracked();
        int aItems = s.StrideA == 0 ? 1 : s.Batch, bItems = s.StrideB == 0 ? 1 : s.Batch;
        var a = Tensor.FromArray(backend, Random((long)aItems * s.M * s.K), [aItems, s.M * s.K]);
        var b = Tensor.FromArray(backend, Random((long)bItems * s.N * s.K), [bItems, s.N * s.K]);
        var c = Tensor.Zeros(backend, [s.Batch, s.M * s.N]);
        var bias = withBias ? Tensor.FromArray(backend, Random(s.N), [s.N]) : null;
        var sw = Stopwatch.StartNew();
        backend.MatMul(a, b, bias, s, 1f, 0f, c);
        backend.Synchronize();
        int calls = (int)Math.Clamp(0.05 / sw.Elapsed.TotalSeconds, 1, 1000);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            sw.Restart();
            for (int i = 0; i < calls; i++) backend.MatMul(a, b, bias, s, 1f, 0f, c);
            backend.Synchronize();
            best = Math.Min(best, sw.Elapsed.TotalSeconds / calls);
        }
        return best;
    }
}
