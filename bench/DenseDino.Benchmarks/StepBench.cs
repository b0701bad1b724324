using System.Diagnostics;
using System.Text.Json;
using DenseDino.Backends.Cpu;
using DenseDino.Backends.Ilgpu;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Training;

namespace DenseDino.Benchmarks;

/// <summary>Settings of the end-to-end step benchmark; names and defaults follow ../shared/peers (vit_tiny/16, K = 65536, 2 threads).</summary>
internal sealed record StepBenchOptions(
    int Img = 224, int Patch = 16, int Dim = 192, int Depth = 12, int Heads = 3, int OutDim = 65536,
    int Views = 4, int MRef = 4, int Batch = 8, int Threads = 2, int Warmup = 2, int Steps = 7,
    string Backend = "cpu", int Device = 0, string Gemm = "auto", string Precision = "fp32", bool Profile = false, bool? BiasEpilogue = null, bool PerTensorUpdate = false,
    bool Memory = false, float DropPath = 0f)
{
    public static StepBenchOptions Parse(string[] args)
    {
        var o = new StepBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string key = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"step: {key} needs a value");
            o = key switch
            {
                "--img" => o with { Img = int.Parse(Next()) },
                "--patch" => o with { Patch = int.Parse(Next()) },
                "--dim" => o with { Dim = int.Parse(Next()) },
                "--depth" => o with { Depth = int.Parse(Next()) },
                "--heads" => o with { Heads = int.Parse(Next()) },
                "--out-dim" => o with { OutDim = int.Parse(Next()) },
                "--views" => o with { Views = int.Parse(Next()) },
                "--m-ref" => o with { MRef = int.Parse(Next()) },
                "--batch" => o with { Batch = int.Parse(Next()) },
                "--threads" => o with { Threads = int.Parse(Next()) },
                "--warmup" => o with { Warmup = int.Parse(Next()) },
                "--steps" => o with { Steps = int.Parse(Next()) },
                "--backend" => o with { Backend = Next() },
                "--device" => o with { Device = int.Parse(Next()) },
                "--gemm" => o with { Gemm = Next() },
                "--precision" => o with { Precision = Next() },
                "--profile" => o with { Profile = true },
                "--bias-epilogue" => o with { BiasEpilogue = true },
                "--no-bias-epilogue" => o with { BiasEpilogue = false },
                "--per-tensor-update" => o with { PerTensorUpdate = true },
                "--memory" => o with { Memory = true },
                "--drop-path" => o with { DropPath = float.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"step: unknown option {key}"),
            };
        }
        if (o.Img % o.Patch != 0) throw new ArgumentException($"step: --img {o.Img} is not a multiple of --patch {o.Patch}");
        if (o.Views < 2 || o.Batch < 1 || o.Steps < 1) throw new ArgumentException("step: need --views >= 2, --batch >= 1, --steps >= 1");
        return o;
    }
}

/// <summary>
/// Times whole DenseDINO training steps (the peers' step: teacher, student, loss, backward, clip,
/// AdamW, EMA; no drop path) on random inputs and prints one JSON line like the peers, with a
/// per-phase breakdown, FLOP rate and peak memory.
/// </summary>
internal static class StepBench
{
    public static void Run(string[] args)
    {
        var o = StepBenchOptions.Parse(args);
        using IBackend device = o.Backend == "cpu" ? new CpuBackend(o.Threads)
            : IlgpuBackend.Create(o.Backend, o.Device, new IlgpuOptions(IlgpuOptions.ParseGemm(o.Gemm), IlgpuOptions.ParsePrecision(o.Precision), o.BiasEpilogue));
        if (o.Memory) device.Pool.TrackPeakComposition();
        var profiler = o.Profile ? new ProfilingBackend(device, () => (device as IlgpuBackend)?.Synchronize()) : null;
        IBackend backend = profiler ?? device;
        var vit = new VitConfig(o.Img, o.Patch, o.Dim, o.Depth, o.Heads, DropPathRate: o.DropPath);
        var head = new HeadConfig(OutDim: o.OutDim);
        using var student = new DenseDinoModel(backend, vit, head, seed: 0);
        using var teacher = new DenseDinoModel(backend, vit, head, seed: 0);
        foreach (var (_, p) in teacher.NamedParameters()) p.RequiresGrad = false;
        // As the trainer does: parameters in one buffer per model, so the update is one launch (else one per tensor).
        if (!o.PerTensorUpdate)
        {
            student.FlattenParameters();
            teacher.FlattenParameters();
        }
        using var loss = new DenseDinoLoss(backend, new DenseDinoLossOptions { OutDim = o.OutDim, Views = o.Views });
        using var optimizer = new AdamWOptimizer(student.TrainableParameters());
        var rng = new Random(0);
        float[] Uniform(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * (float)rng.NextDouble()).ToArray();
        int vb = o.Views * o.Batch;
        using var scope0 = TensorScope.Untracked();
        var images = Tensor.FromArray(backend, Uniform(vb * 3 * o.Img * o.Img, -2, 2), [vb, 3, o.Img, o.Img]);
        var studentPoints = Tensor.FromArray(backend, Uniform(vb * 2 * o.MRef * 2, -1, 1), [vb, 2, o.MRef, 2]);
        var teacherPoints = Tensor.FromArray(backend, Uniform(2 * o.Batch * o.Views * o.MRef * 2, -1, 1), [2 * o.Batch, o.Views, o.MRef, 2]);
        // Drop path as training runs it when asked (--drop-path RATE); the peers' step has none.
        var settings = new StepSettings(5e-4f, 0.04f, 0.996f, Epoch: 0, FreezeLastLayer: false, ClipGrad: 3f, DropPathSeed: o.DropPath > 0 ? 1UL : null, MaskMode.All2PosPos2ClsEye);

        var times = new List<double>();
        var phases = new Dictionary<string, List<double>>();
        double lastLoss = 0;
        for (int i = 0; i < o.Warmup + o.Steps; i++)
        {
            if (profiler is not null) profiler.Enabled = i >= o.Warmup;
            var sw = Stopwatch.StartNew();
            double mark = 0;
            using (TensorScope.Begin())
            {
                lastLoss = TrainingStep.Run(student, teacher, loss, optimizer, images, studentPoints, teacherPoints, settings, phase =>
                {
                    (device as IlgpuBackend)?.Synchronize(); // a device runs ahead of the host: time each phase to its end
                    double now = sw.Elapsed.TotalMilliseconds;
                    if (i >= o.Warmup) (phases.TryGetValue(phase, out var l) ? l : phases[phase] = new()).Add(now - mark);
                    mark = now;
                }).Total;
            }
            if (i >= o.Warmup) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        if (profiler is not null)
        {
            Console.Error.WriteLine($"per-primitive time over {o.Steps} steps (device synchronised after each call):");
            foreach (var (name, calls, total) in profiler.Totals.Take(120))
                Console.Error.WriteLine($"  {total / o.Steps,9:F2} ms/step {calls / o.Steps,6} calls/step  {name}");
        }
        if (o.Memory)
        {
            Console.Error.WriteLine("buffers live at the pool's peak, largest total first:");
            foreach (var (floats, count) in backend.Pool.LiveAtPeak().Take(16))
                Console.Error.WriteLine($"  {count,5} x {floats,11} floats ({floats * 4 / 1048576.0,8:F1} MiB) = {count * floats * 4 / 1048576.0,8:F0} MiB");
        }
        double ms = Median(times);
        double flops = StepFlops.Of(o);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            impl = "densedino.net", backend = backend.Name, threads = o.Threads, img = o.Img, views = o.Views, batch = o.Batch,
            m_ref = o.MRef, out_dim = o.OutDim, ms_step = Math.Round(ms, 1), ms_min = Math.Round(times.Min(), 1),
            images_s = Math.Round(o.Batch / ms * 1e3, 2), views_s = Math.Round(vb / ms * 1e3, 2),
            gflop_step = Math.Round(flops / 1e9, 1), gflops = Math.Round(flops / ms / 1e6, 1), loss = Math.Round(lastLoss, 4),
            phases_ms = phases.ToDictionary(p => p.Key, p => Math.Round(Median(p.Value), 1)),
            precision = o.Precision, update = optimizer.IsFlat ? "flat" : "per-tensor",
            peak_rss_mb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0),
            peak_pool_in_use_mb = Math.Round(backend.Pool.PeakFloatsInUse * 4 / 1048576.0),
            peak_pool_held_mb = Math.Round(backend.Pool.PeakFloatsHeld * 4 / 1048576.0),
            pool_allocations = backend.Pool.Allocations, pool_reuses = backend.Pool.Reuses,
            steps_ms = times.Select(t => Math.Round(t, 1)),
        }));
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
