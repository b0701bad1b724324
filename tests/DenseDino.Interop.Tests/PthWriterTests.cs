namespace DenseDino.Interop.Tests;

public sealed class PthWriterTests
{
    [Fact]
    public void WriteThenReadRoundTrips()
    {
        var sd = CheckpointFile.ReadStateDict(Fixtures.File("densedino_model.pth"));
        sd["scalar"] = new HostTensor([], [3.5f]);
        sd["empty"] = new HostTensor([0, 2], []);
        string path = Path.Combine(AppContext.BaseDirectory, "exported", "densedino_roundtrip.pth");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TorchCheckpointWriter.Write(path, sd);
        var back = CheckpointFile.ReadStateDict(path);
        Assert.Equal(sd.Keys, back.Keys);
        foreach (var (k, t) in sd)
        {
            Assert.Equal(t.Shape, back[k].Shape);
            Assert.Equal(t.Data, back[k].Data);
        }
    }
}

public sealed class TensorViewTests
{
    [Fact]
    public void GathersStridedViews()
    {
        var storage = new byte[4 * 8];
        for (int i = 0; i < 8; i++) BitConverter.GetBytes((float)i).CopyTo(storage, 4 * i);
        var s = new TorchStorageRef("0", DType.F32, 8, "cpu");
        // transpose of a [2, 3] matrix starting at element 1: size [3, 2], stride [1, 3]
        var t = TensorView.Gather(new TorchTensorRef(s, 1, [3, 2], [1, 3]), storage, "x");
        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([1f, 4, 2, 5, 3, 6], t.Data);
        // broadcast (stride 0) and an out-of-range view
        Assert.Equal([7f, 7, 7], TensorView.Gather(new TorchTensorRef(s, 7, [3], [0]), storage, "x").Data);
        var ex = Assert.Throws<InvalidDataException>(() => TensorView.Gather(new TorchTensorRef(s, 3, [3, 2], [1, 3]), storage, "x.pth"));
        Assert.Contains("reaches element 8", ex.Message);
    }
}
