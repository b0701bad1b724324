using DenseDino.Numerics;

namespace DenseDino.Nn.Tests;

public class InitTests
{
    private static VitConfig Tiny => new(ImgSize: 16, PatchSize: 8, Dim: 8, Depth: 2, Heads: 2);

    [Fact]
    public void InitIsDeterministicPerSeedAndFollowsTheOfficialRules()
    {
        using var a = new DenseDinoModel(TestBackend.Cpu, Tiny, new HeadConfig(16, 12, 4), seed: 7);
        using var b = new DenseDinoModel(TestBackend.Cpu, Tiny, new HeadConfig(16, 12, 4), seed: 7);
        using var c = new DenseDinoModel(TestBackend.Cpu, Tiny, new HeadConfig(16, 12, 4), seed: 8);
        var sa = a.State();
        var sb = b.State();
        var sc = c.State();
        foreach (var (name, data) in sa) Assert.Equal(data, sb[name]);
        Assert.NotEqual(sa["backbone.blocks.0.attn.qkv.weight"], sc["backbone.blocks.0.attn.qkv.weight"]);
        Assert.All(sa["backbone.blocks.1.norm2.weight"], x => Assert.Equal(1f, x));
        Assert.All(sa["backbone.blocks.1.norm2.bias"], x => Assert.Equal(0f, x));
        Assert.All(sa["head.mlp.2.bias"], x => Assert.Equal(0f, x));
        Assert.All(sa["ref_head.last_layer.weight_g"], x => Assert.Equal(1f, x));
        var w = sa["backbone.blocks.0.mlp.fc1.weight"];
        double std = Math.Sqrt(w.Select(x => (double)x * x).Average());
        Assert.InRange(std, 0.015, 0.025);   // trunc_normal std 0.02
        Assert.All(w, x => Assert.InRange(x, -2f, 2f));
        Assert.Contains("ref_head.mlp.0.weight", sa.Keys);
    }

    [Fact]
    public void SharedHeadAndLearnableRefTokenOptions()
    {
        using var shared = new DenseDinoModel(TestBackend.Cpu, Tiny with { LearnableRefToken = true }, new HeadConfig(16, 12, 4, SharedHead: true), seed: 1);
        var names = shared.NamedParameters().Select(p => p.Name).ToList();
        Assert.DoesNotContain(names, n => n.StartsWith("ref_head.", StringComparison.Ordinal));
        Assert.Same(shared.Head, shared.RefHead);
        Assert.Equal(["backbone.cls_token", "backbone.cls_pos_embed", "backbone.ref_learn_token", "backbone.patch_pos_embed"], names.Take(4));
    }

    [Fact]
    public void PresetsMatchTheOfficialSizes()
    {
        Assert.Equal((192, 12, 3), (VitConfig.Preset("vit_tiny").Dim, VitConfig.Tiny().Depth, VitConfig.Tiny().Heads));
        Assert.Equal((384, 6), (VitConfig.Preset("vit_small").Dim, VitConfig.Small().Heads));
        Assert.Equal((768, 12), (VitConfig.Preset("vit_base", 8).Dim, VitConfig.Base().Heads));
        Assert.Throws<ArgumentException>(() => VitConfig.Preset("vit_huge"));
    }
}
