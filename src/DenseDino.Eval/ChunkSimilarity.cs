using System.Numerics.Tensors;
using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;
using Tensor = DenseDino.Numerics.Tensor;

namespace DenseDino.Eval;

/// <summary>
/// Cosine similarities of a chunk of (normalised) test rows against every train row: [rows, Ntr].
/// On a backend the train matrix is uploaded once and each chunk is one MatMul (test · trainᵀ).
/// </summary>
internal sealed class ChunkSimilarity : IDisposable
{
    private readonly float[] train;
    private readonly int count, dim;
    private readonly IBackend? backend;
    private readonly Tensor? trainTensor;   // [Ntr, D]

    public ChunkSimilarity(float[] train, int count, int dim, IBackend? backend)
    {
        (this.train, this.count, this.dim, this.backend) = (train, count, dim, backend);
        if (backend is not null)
            using (TensorScope.Untracked())
                trainTensor = Tensor.FromArray(backend, train, new Shape(count, dim));
    }

    public float[] Compute(float[] test, int start, int rows)
    {
        if (backend is null)
        {
            var sims = new float[rows * count];
            Parallel.For(0, rows, r =>
            {
                var q = test.AsSpan((start + r) * dim, dim);
                for (int j = 0; j < count; j++) sims[r * count + j] = TensorPrimitives.Dot(q, train.AsSpan(j * dim, dim));
            });
            return sims;
        }
        using (GradMode.NoGrad())
        using (TensorScope.Begin())
        {
            var q = Tensor.FromArray(backend, test.AsSpan(start * dim, rows * dim), new Shape(rows, dim));
            return Ops.MatMul(q, trainTensor!, transB: true).ToArray();
        }
    }

    public void Dispose() => trainTensor?.Dispose();
}
