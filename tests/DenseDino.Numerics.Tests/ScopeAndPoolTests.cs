using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics.Tests;

/// <summary>Tensor.LiveCount is process-wide, so these tests run alone (no other test creates tensors meanwhile).</summary>
[CollectionDefinition("Serial: global tensor counters", DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>Lifetimes: scopes, Keep, views, pool reuse, use after dispose.</summary>
[Collection("Serial: global tensor counters")]
public sealed class ScopeAndPoolTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    public void Dispose() => be.Dispose();

    private Tensor Param(Random rng, string name, params int[] shape) =>
        Tensor.Parameter(be, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.NextSingle() - 0.5f).ToArray(), shape, name);

    [Fact]
    public void TrainingLoopReusesThePoolAndLeaksNothing()
    {
        var rng = new Random(1);
        Tensor[] ps = [Param(rng, "ln.g", 9), Param(rng, "ln.b", 9), Param(rng, "fc1.w", 13, 9), Param(rng, "fc1.b", 13), Param(rng, "fc2.w", 5, 13), Param(rng, "fc2.b", 5)];
        var mask = Ops.AttentionMask(be, new bool[4, 4]);
        var input = new float[2 * 4 * 9];
        for (int i = 0; i < input.Length; i++) input[i] = rng.NextSingle() * 2 - 1;
        long baseline = Tensor.LiveCount;
        long allocationsAfterFirst = -1;
        long inUseAfterFirst = -1;
        try
        {
            for (int step = 0; step < 6; step++)
            {
                foreach (var p in ps) p.ZeroGrad();
                Assert.Equal(baseline, Tensor.LiveCount);
                float lossValue;
                using (var scope = TensorScope.Begin())
                {
                    var x = Tensor.FromArray(be, input, [2, 4, 9]);
                    var h = Ops.LayerNorm(x, ps[0], ps[1]);
                    var q = Ops.Reshape(h, 2, 1, 4, 9);
                    h = Ops.Add(h, Ops.Reshape(Ops.Attention(q, q, q, mask, 0.3f), 2, 4, 9));
                    var logits = Ops.Linear(Ops.Gelu(Ops.Linear(h, ps[2], ps[3])), ps[4], ps[5]);
                    var targets = Ops.Softmax(Ops.Detach(logits));
                    var loss = Ops.Mean(Ops.SoftCrossEntropy(targets, Ops.Mul(logits, 2f)));
                    loss.Backward();
                    lossValue = loss.Item();
                    using (GradMode.NoGrad())
                        foreach (var p in ps) p.CopyFrom(Ops.Sub(p, Ops.Mul(p.Grad!, 0.1f)).ToArray());
                    Assert.True(scope.Count > 0);
                }
                Assert.True(float.IsFinite(lossValue));
                // Only the parameters' gradients outlive the step.
                Assert.Equal(baseline + ps.Length, Tensor.LiveCount);
                Assert.All(ps, p => Assert.NotNull(p.Grad));
                if (step == 0)
                {
                    allocationsAfterFirst = be.Pool.Allocations;
                    inUseAfterFirst = be.Pool.FloatsInUse;
                }
                else
                {
                    Assert.Equal(allocationsAfterFirst, be.Pool.Allocations);
                    Assert.Equal(inUseAfterFirst, be.Pool.FloatsInUse);
                }
            }
            Assert.True(be.Pool.Reuses > 0);
        }
        finally
        {
            foreach (var p in ps) { p.ZeroGrad(); p.Dispose(); }
            mask.Dispose();
        }
        Assert.Equal(baseline - ps.Length - 1, Tensor.LiveCount);
        Assert.Equal(0, be.Pool.FloatsInUse);
    }

    [Fact]
    public void ScopeDisposesItsTensorsAndKeepMovesOneOut()
    {
        long baseline = Tensor.LiveCount;
        Tensor kept, dropped, keptTwice;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                Assert.Same(inner, TensorScope.Current);
                kept = inner.Keep(Ops.Exp(Tensor.FromArray(be, [0f, 1f], [2])));
                dropped = Tensor.Zeros(be, [3]);
                keptTwice = inner.Keep(Tensor.Full(be, [1], 5f));
                Assert.Equal(2, inner.Count); // the FromArray input and `dropped`: the kept ones moved out
            }
            Assert.True(dropped.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal([1f, MathF.E], kept.ToArray());
            Assert.Same(outer, TensorScope.Current);
            outer.Keep(keptTwice);
        }
        Assert.True(kept.IsDisposed);     // the outer scope owned it after Keep
        Assert.False(keptTwice.IsDisposed); // kept out of the outermost scope: nobody owns it
        Assert.Equal(5f, keptTwice.Item());
        keptTwice.Dispose();
        Assert.Equal(baseline, Tensor.LiveCount);
        Assert.Equal(0, be.Pool.FloatsInUse);
    }

    [Fact]
    public void UntrackedTensorsOutliveTheScope()
    {
        Tensor p;
        using (TensorScope.Begin())
        {
            p = Tensor.Parameter(be, [1f, 2f], [2], "w");
            using (TensorScope.Untracked())
            {
                Assert.Null(TensorScope.Current);
                Tensor.Zeros(be, [4]).Dispose();
            }
        }
        Assert.False(p.IsDisposed);
        p.Dispose();
        Assert.Equal(0, be.Pool.FloatsInUse);
    }

    [Fact]
    public void ViewsKeepStorageAlive()
    {
        long floats = be.Pool.FloatsInUse;
        var baseTensor = Tensor.FromArray(be, [1f, 2f, 3f, 4f, 5f, 6f], [2, 3]);
        var view = Ops.Reshape(baseTensor, 3, 2);
        var slice = Ops.Slice(baseTensor, 0, 1, 1); // a leading-axis slice is a view
        Assert.Same(baseTensor.Storage, view.Storage);
        Assert.Same(baseTensor.Storage, slice.Storage);
        baseTensor.Dispose();
        Assert.True(baseTensor.IsDisposed);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], view.ToArray());
        Assert.Equal([4f, 5f, 6f], slice.ToArray());
        Assert.Equal([2f, 4f, 6f, 8f, 10f, 12f], Ops.Mul(view, 2f).ToArrayAndDispose());
        view.Dispose();
        Assert.NotEqual(floats, be.Pool.FloatsInUse); // the slice still holds the buffer
        slice.Dispose();
        Assert.Equal(floats, be.Pool.FloatsInUse);
        // The buffer went back to the pool: the next rent of that size reuses it.
        long reuses = be.Pool.Reuses;
        Tensor.Zeros(be, [6]).Dispose();
        Assert.Equal(reuses + 1, be.Pool.Reuses);
    }

    [Fact]
    public void DisposedTensorInAnOpThrowsNamingIt()
    {
        var w = Tensor.Parameter(be, [1f, 2f, 3f], [3], "blocks.0.norm1.weight");
        w.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Ops.Exp(w));
        Assert.Contains("Exp", e.Message);
        Assert.Contains("blocks.0.norm1.weight", e.Message);
        Assert.Contains("[3]", e.Message);
        Assert.Throws<ObjectDisposedException>(() => w.ToArray());

        // A tensor from an ended scope, in the second argument of a binary op.
        Tensor stale;
        using (TensorScope.Begin()) stale = Tensor.Zeros(be, [2, 2]);
        using var live = Tensor.Zeros(be, [2, 2]);
        var e2 = Assert.Throws<ObjectDisposedException>(() => Ops.MatMul(live, stale));
        Assert.Contains("MatMul", e2.Message);
        Assert.Contains("b", e2.ObjectName);
        // Views of a released tensor cannot be taken.
        Assert.Throws<ObjectDisposedException>(() => Ops.Reshape(stale, 4));
    }

    [Fact]
    public void PoolLimitFreesTheCacheFirstThenRefusesNamingIt()
    {
        using var backend = new CpuBackend(1);
        var pool = backend.Pool;
        pool.LimitFloats = 1024;
        pool.Return(pool.Rent(512));          // 512 cached
        var b = pool.Rent(640);               // 512 + 640 > 1024: the cache goes, then it fits
        Assert.Equal(0, pool.FloatsCached);
        Assert.Equal(640, pool.FloatsInUse);
        var e = Assert.Throws<OutOfMemoryException>(() => pool.Rent(512));
        Assert.Contains($"cannot allocate {512 * 4L:N0} bytes", e.Message);
        Assert.Contains($"the pool's limit is {1024 * 4L:N0} bytes", e.Message);
        Assert.Equal(640, pool.FloatsInUse);  // the refused rent took nothing
        pool.Return(b);
        pool.Return(pool.Rent(1024));         // the whole limit, once the rest is back
    }

    [Fact]
    public void PoolReportsWhatWasLiveAtItsPeak()
    {
        using var backend = new CpuBackend(1);
        var pool = backend.Pool;
        pool.TrackPeakComposition();
        var a = pool.Rent(1000);              // capacity 1024
        var b = pool.Rent(1000);
        var c = pool.Rent(64);
        pool.Return(b);
        var d = pool.Rent(5000);              // peak: 1024 + 64 + 5056
        pool.Return(d);
        pool.Return(a);
        var e = pool.Rent(3000);              // 64 + 3008: below the peak, the snapshot stays
        Assert.Equal([(5056L, 1), (1024L, 1), (64L, 1)], pool.LiveAtPeak());
        Assert.Equal(1024 + 64 + 5056, pool.PeakFloatsInUse);
        pool.ResetPeak();
        Assert.Equal(64 + 3008, pool.PeakFloatsInUse);
        Assert.Equal([(3008L, 1), (64L, 1)], pool.LiveAtPeak());   // the composition starts over with the peak
        foreach (var x in new[] { c, e }) pool.Return(x);
    }
}

internal static class TensorTestExtensions
{
    public static float[] ToArrayAndDispose(this Tensor t)
    {
        var a = t.ToArray();
        t.Dispose();
        return a;
    }
}
