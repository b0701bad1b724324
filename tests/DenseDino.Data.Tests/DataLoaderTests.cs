using DenseDino.Data;

namespace DenseDino.Data.Tests;

public class DataLoaderTests
{
    private sealed record Item(int Index, int Epoch);

    [Fact]
    public void BatchesArriveInOrderWithSkippedItemsDropped()
    {
        using var loader = new DataLoader<Item>(23, (i, e) => i == 5 ? null : new Item(i, e), batchSize: 4, workers: 3, prefetch: 2,
            shuffle: true, dropLast: false, seed: 9);
        int[] order = loader.Order(1);
        Assert.Equal(Enumerable.Range(0, 23), order.Order());
        var batches = loader.Batches(1, TestContext.Current.CancellationToken).ToList();
        Assert.Equal(6, batches.Count);
        Assert.Equal(order.Where(i => i != 5), batches.SelectMany(b => b.Select(x => x.Index)));
        Assert.All(batches.SelectMany(b => b), x => Assert.Equal(1, x.Epoch));
        Assert.NotEqual(loader.Order(1), loader.Order(2));
    }

    [Fact]
    public void NextBatchLoadsWhileTheCallerHoldsTheCurrentOne()
    {
        int loaded = 0;
        using var loader = new DataLoader<Item>(12, (i, e) => { Interlocked.Increment(ref loaded); return new Item(i, e); },
            batchSize: 3, workers: 2, prefetch: 1);
        foreach (var batch in loader.Batches(0, TestContext.Current.CancellationToken))
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref loaded) >= 6, TimeSpan.FromSeconds(10)), "batch 1 was not prefetched");
            break;
        }
    }

    [Fact]
    public void CancellationStopsTheEpoch()
    {
        using var cts = new CancellationTokenSource();
        using var loader = new DataLoader<Item>(1000, (i, e) => { Thread.Sleep(1); return new Item(i, e); }, batchSize: 10, workers: 2, prefetch: 3);
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in loader.Batches(0, cts.Token))
            {
                if (++seen == 2) cts.Cancel();
            }
        });
        Assert.Equal(2, seen);
    }

    [Fact]
    public void BreakingEarlyWaitsForWorkersAndDisposeIsIdempotent()
    {
        int running = 0;
        var loader = new DataLoader<Item>(100, (i, e) =>
        {
            Interlocked.Increment(ref running);
            Thread.Sleep(2);
            Interlocked.Decrement(ref running);
            return new Item(i, e);
        }, batchSize: 5, workers: 2, prefetch: 4);
        foreach (var batch in loader.Batches(0, TestContext.Current.CancellationToken)) break;
        Assert.Equal(0, Volatile.Read(ref running));
        loader.Dispose();
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Batches(0, TestContext.Current.CancellationToken).First());
    }

    [Fact]
    public void ParallelLoaderMatchesSequentialSamples()
    {
        var folder = new ImageFolder(Path.Combine(TestData.SampleRoot, "val"));
        var dataset = MultiCropDataset.DenseDino(folder, new DenseDinoMultiCrop(viewCount: 3, size: 32), seed: 3);
        using var loader = dataset.CreateLoader(batchSize: 4, workers: 2, prefetch: 2);
        var first = loader.Batches(0, TestContext.Current.CancellationToken).Take(3).SelectMany(b => b).ToList();
        int[] order = loader.Order(0);
        for (int i = 0; i < first.Count; i++)
        {
            MultiCropSample expected = dataset.Get(order[i], 0)!;
            Assert.Equal(expected.Label, first[i].Label);
            for (int v = 0; v < 3; v++) Assert.Equal(expected.Views[v], first[i].Views[v]);
            Assert.Equal(expected.TeacherPoints, first[i].TeacherPoints);
        }
    }
}

public class LoaderWithCorruptFileTests
{
    [Fact]
    public void CorruptFileIsDroppedFromBatchesAndReportedOnceAcrossWorkersAndEpochs()
    {
        using var dir = new TestData.TempDir();
        string[] good = Directory.EnumerateFiles(Path.Combine(TestData.SampleRoot, "val"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Take(7).ToArray();
        for (int i = 0; i < good.Length; i++) File.Copy(good[i], Path.Combine(dir.Path, $"img{i}.jpg"));
        File.WriteAllBytes(Path.Combine(dir.Path, "img3b.jpg"), File.ReadAllBytes(good[0])[..300]);

        var warnings = new System.Collections.Concurrent.ConcurrentBag<string>();
        var folder = new ImageFolder(dir.Path, warnings.Add);
        var dataset = MultiCropDataset.DenseDino(folder, new DenseDinoMultiCrop(viewCount: 2, size: 16), seed: 1);
        using var loader = dataset.CreateLoader(batchSize: 4, workers: 3, prefetch: 2, dropLast: false);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = loader.Batches(epoch, TestContext.Current.CancellationToken).ToList();
            Assert.Equal(7, batches.Sum(b => b.Count));
        }
        Assert.Equal(1, folder.SkippedCount);
        Assert.Single(warnings);
        Assert.Contains("img3b.jpg", warnings.Single());
    }
}
