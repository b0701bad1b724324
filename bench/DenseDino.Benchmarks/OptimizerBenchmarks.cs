using BenchmarkDotNet.Attributes;
using DenseDino.Backends.Cpu;
using DenseDino.Nn;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Benchmarks;

/// <summary>
/// A training step's update on the step benchmark's model (ViT-Tiny/16, two DINO heads, K = 65536: ~170 tensors):
/// per-parameter clip, AdamW and the teacher's EMA, either one call per tensor or one segmented pass over the
/// parameter arena. Memory-bound: every parameter's p, g, m, v and teacher are read and p, m, v, teacher written.
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 6)]
public class OptimizerBenchmarks
{
    private CpuBackend backend = null!;
    private DenseDinoModel student = null!, teacher = null!;
    private AdamWOptimizer optimizer = null!;
    private Dictionary<string, Tensor> teacherParameters = null!;

    [Params(false, true)]
    public bool Arena { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = new CpuBackend(threads: 2);
        var vit = new VitConfig(224, 16, 192, 12, 3);
        var head = new HeadConfig(OutDim: 65536);
        student = new DenseDinoModel(backend, vit, head, seed: 0);
        teacher = new DenseDinoModel(backend, vit, head, seed: 0);
        foreach (var (_, p) in teacher.NamedParameters()) p.RequiresGrad = false;
        if (Arena)
        {
            student.FlattenParameters();
            teacher.FlattenParameters();
        }
        optimizer = new AdamWOptimizer(student.TrainableParameters());
        teacherParameters = teacher.NamedParameters().ToDictionary(p => p.Name, p => p.Value);
        // Gradients that clip for some tensors and not others: Σ 0.01·k·p over the parameters.
        using var scope = TensorScope.Begin();
        Tensor? loss = null;
        int k = 0;
        foreach (var (_, p) in student.TrainableParameters())
        {
            var term = Ops.Sum(Ops.Mul(p, 0.01f * (++k % 7)));
            loss = loss is null ? term : Ops.Add(loss, term);
        }
        loss!.Backward();
        if (optimizer.IsFlat != Arena) throw new InvalidOperationException("OptimizerBenchmarks: the arena was not used as asked");
    }

    [Benchmark]
    public void ClipAdamWAndEma() => optimizer.Step(5e-4f, 0.04f, clipMaxNorm: 3f, teacherParameters, momentum: 0.996f);

    [GlobalCleanup]
    public void Cleanup()
    {
        optimizer.Dispose();
        student.Dispose();
        teacher.Dispose();
        backend.Dispose();
    }
}
