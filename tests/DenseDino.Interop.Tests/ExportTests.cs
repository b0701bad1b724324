using DenseDino.Nn;

namespace DenseDino.Interop.Tests;

/// <summary>
/// Our model exported with the official names. The files are also left in the test output
/// folder (exported/) for the manual PyTorch strict-load check (tests/fixtures/README.md).
/// </summary>
public sealed class ExportTests
{
    private static string Exported(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "exported");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    [Fact]
    public void DenseDinoExportHasTheOfficialKeysShapesAndValues()
    {
        string pth = Fixtures.File("densedino_model.pth");
        using var model = OfficialCheckpoints.LoadModel(Fixtures.Cpu, pth, heads: Fixtures.Heads);
        string path = Exported("densedino.safetensors");
        OfficialCheckpoints.SaveSafeTensors(model, path);
        var official = CheckpointFile.ReadStateDict(pth);
        var ours = SafeTensorsReader.Read(path, out var meta);
        Assert.Equal(official.Keys, ours.Keys);   // same names, same order as the official state_dict
        foreach (var (k, t) in official)
        {
            Assert.Equal(t.Shape, ours[k].Shape);
            Assert.Equal(t.Data, ours[k].Data);
        }
        Assert.Equal("pt", meta["format"]);
        // and it loads back into a fresh model giving the official outputs
        using var again = OfficialCheckpoints.LoadModel(Fixtures.Cpu, path, heads: Fixtures.Heads);
        OfficialLoadTests.CheckTokens(again.Backbone, "densedino");
    }

    [Fact]
    public void FreshModelExportsWithEveryOfficialName()
    {
        using var model = new DenseDinoModel(Fixtures.Cpu, new VitConfig(32, 8, 16, 2, 2), new HeadConfig(32, 32, 16), 7);
        string path = Exported("fresh_densedino.safetensors");
        OfficialCheckpoints.SaveSafeTensors(model, path);
        var official = CheckpointFile.ReadStateDict(Fixtures.File("densedino_model.pth"));
        var ours = SafeTensorsReader.Read(path);
        Assert.Equal(official.Keys, ours.Keys);
        foreach (var (k, t) in official) Assert.Equal(t.Shape, ours[k].Shape);
    }

    [Fact]
    public void DinoBackboneExportRecombinesPosEmbed()
    {
        string pth = Fixtures.File("dino_vit.pth");
        using var vit = OfficialCheckpoints.LoadBackbone(Fixtures.Cpu, pth, heads: Fixtures.Heads);
        string path = Exported("dino_vit.safetensors");
        OfficialCheckpoints.SaveDinoBackbone(vit, path);
        var official = CheckpointFile.ReadStateDict(pth);
        var ours = SafeTensorsReader.Read(path);
        Assert.Equal(official.Keys, ours.Keys);
        foreach (var (k, t) in official) Assert.Equal(t.Data, ours[k].Data);
    }
}
