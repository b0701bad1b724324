using DenseDino.Backends.Cpu;
using DenseDino.Numerics;

namespace DenseDino.Interop.Tests;

/// <summary>tests/fixtures/interop (make_interop_fixtures.py) and scratch files.</summary>
internal static class Fixtures
{
    public static readonly IBackend Cpu = new CpuBackend(2);

    /// <summary>Config of the fixtures (make_interop_fixtures.py C): heads must be given, dim 16 / 64 is 0.</summary>
    public const int Heads = 2;

    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", name);

    private static readonly Lazy<Dictionary<string, HostTensor>> ExpectedShared = new(() => SafeTensorsReader.Read(File("expected.safetensors")));
    public static Dictionary<string, HostTensor> Expected => ExpectedShared.Value;

    public static string TempFile(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "densedino-interop-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    public static Tensor ToTensor(HostTensor t) => Tensor.FromArray(Cpu, t.Data, t.Shape);

    public static void Close(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
