using DenseDino.Interop;
using DenseDino.Nn;

namespace DenseDino.Cli.Tests;

public sealed class ExportCommandTests
{
    [Fact]
    public void ExportedBackbonesLoadBackWithTheSameParameters()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        string st = fx.Sub("out", "teacher.safetensors"), pth = fx.Sub("out", "teacher.pth");
        Assert.Equal(0, CliFixtures.Run("export", "--weights", ours, "--out", st));
        Assert.Equal(0, CliFixtures.Run("export", "--weights", ours, "--out", pth, "--names", "dino"));
        Assert.Empty(Directory.GetFiles(fx.Sub("out"), "*.tmp"));

        using var original = EvalModel.Load(CliFixtures.Cpu, ours);
        using var fromSafeTensors = EvalModel.Load(CliFixtures.Cpu, st);       // heads from the file's metadata
        using var fromPth = EvalModel.Load(CliFixtures.Cpu, pth, heads: 2);    // .pth keeps no metadata
        Assert.Equal("2", SafeTensorsReader.ReadMetadata(st)["num_heads"]);
        Assert.True(CheckpointFile.ReadStateDict(pth).ContainsKey("pos_embed"));          // DINO's single table
        Assert.True(CheckpointFile.ReadStateDict(st).ContainsKey("patch_pos_embed"));     // DenseDINO's split one
        foreach (var copy in new[] { fromSafeTensors, fromPth })
        {
            Assert.Equal(original.Config, copy.Config);
            foreach (var ((name, x), (_, y)) in original.NamedParameters().Zip(copy.NamedParameters()))
                Assert.True(x.ToArray().SequenceEqual(y.ToArray()), name);
        }
    }

    [Fact]
    public void BadOutputsAreRejectedNamingTheFlag()
    {
        using var fx = new CliFixtures();
        var (ours, _) = fx.WriteWeights();
        Assert.NotEqual(0, CliFixtures.Run("export", "--weights", ours));
        Assert.NotEqual(0, CliFixtures.Run("export", "--weights", ours, "--out", fx.Sub("x.npy")));
        Assert.NotEqual(0, CliFixtures.Run("export", "--weights", ours, "--out", fx.Sub("x.pth"), "--names", "timm"));
        Assert.False(File.Exists(fx.Sub("x.pth")));
    }
}
