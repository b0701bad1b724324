using System.IO.Compression;

namespace DenseDino.Interop.Tests;

/// <summary>
/// Corrupted files must fail with an InvalidDataException naming the file (or still read, when
/// the damage happens to be harmless) — never OutOfMemory, IndexOutOfRange or another crash.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>DENSEDINO_FUZZ_SCALE=k runs k times more cases (a longer local soak).</summary>
    private static int N(int n) => n * (int.TryParse(Environment.GetEnvironmentVariable("DENSEDINO_FUZZ_SCALE"), out int k) && k > 0 ? k : 1);

    private static void ReadsOrFailsCleanly(Action read, string path)
    {
        try { read(); }
        catch (InvalidDataException ex) { Assert.Contains(path, ex.Message); }
    }

    [Fact]
    public void TruncatedSafeTensors()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("expected.safetensors"));
        var rng = new Random(1);
        string path = Fixtures.TempFile("t.safetensors");
        for (int i = 0; i < N(60); i++)
        {
            int cut = i < 10 ? i : rng.Next(bytes.Length);
            File.WriteAllBytes(path, bytes[..cut]);
            var ex = Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path));
            Assert.Contains(path, ex.Message);
        }
    }

    [Fact]
    public void FlippedHeaderBytesInSafeTensors()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("expected.safetensors"));
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        var rng = new Random(2);
        string path = Fixtures.TempFile("f.safetensors");
        for (int i = 0; i < N(300); i++)
        {
            var copy = (byte[])bytes.Clone();
            for (int k = 0, n = 1 + rng.Next(3); k < n; k++)
                copy[rng.Next(headerEnd)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(path, copy);
            ReadsOrFailsCleanly(() => SafeTensorsReader.Read(path), path);
        }
    }

    [Fact]
    public void TruncatedAndFlippedPth()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("dino_checkpoint.pth"));
        var rng = new Random(3);
        string path = Fixtures.TempFile("c.pth");
        for (int i = 0; i < N(80); i++)
        {
            var copy = i % 2 == 0 ? bytes[..rng.Next(bytes.Length)] : (byte[])bytes.Clone();
            if (i % 2 == 1) for (int k = 0; k < 4; k++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(path, copy);
            ReadsOrFailsCleanly(() => CheckpointFile.ReadStateDict(path), path);
        }
    }

    [Fact]
    public void MutatedPickleInsideValidZip()
    {
        var (pickle, storages) = Unpack(Fixtures.File("dino_vit.pth"));
        var rng = new Random(4);
        string path = Fixtures.TempFile("p.pth");
        for (int i = 0; i < N(150); i++)
        {
            var copy = (byte[])pickle.Clone();
            if (i % 3 == 0) copy = copy[..rng.Next(copy.Length)];
            else for (int k = 0; k < 3; k++) copy[rng.Next(copy.Length)] = (byte)rng.Next(256);
            Repack(path, copy, storages);
            ReadsOrFailsCleanly(() => CheckpointFile.ReadStateDict(path), path);
        }
    }

    [Fact]
    public void StorageSizeMismatchIsNamed()
    {
        var (pickle, storages) = Unpack(Fixtures.File("dino_vit.pth"));
        var key = storages.Keys.First();
        storages[key] = storages[key][..^4];
        string path = Fixtures.TempFile("s.pth");
        Repack(path, pickle, storages);
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(path));
        Assert.Contains($"storage '{key.Split('/')[^1]}'", ex.Message);
    }

    internal static (byte[] Pickle, Dictionary<string, byte[]> Others) Unpack(string pth)
    {
        using var zip = ZipFile.OpenRead(pth);
        byte[] pickle = [];
        var others = new Dictionary<string, byte[]>();
        foreach (var e in zip.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            if (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)) pickle = ms.ToArray();
            else others[e.FullName] = ms.ToArray();
        }
        return (pickle, others);
    }

    internal static void Repack(string path, byte[] pickle, Dictionary<string, byte[]> others)
    {
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        string prefix = others.Keys.First().Split('/')[0];
        using (var s = zip.CreateEntry(prefix + "/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
        foreach (var (name, data) in others)
            using (var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open()) s.Write(data);
    }
}
