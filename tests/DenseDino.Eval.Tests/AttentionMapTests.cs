using DenseDino.Numerics;
using StbImageSharp;

namespace DenseDino.Eval.Tests;

public class AttentionMapTests
{
    [Fact]
    public void MapsPerHeadOverTheNonSquareGrid()
    {
        var r = AttentionMaps.Compute(TestUtil.TinyVit(), TestUtil.RandomImage(50, 30, 7));   // → 48×32
        Assert.Equal((4, 6, 2), (r.GridHeight, r.GridWidth, r.Maps.Length));
        foreach (var m in r.Maps)
        {
            Assert.Equal(24, m.Length);
            Assert.All(m, v => Assert.True(v > 0 && v < 1));
            Assert.InRange(m.Sum(), 0.0, 1.0);   // the CLS key keeps the rest
        }
    }

    [Fact]
    public void ZeroQueryKeysGiveUniformAttention()
    {
        var vit = TestUtil.TinyVit();
        var qkv = vit.Blocks[^1].Attn.Qkv;
        qkv.Weight.CopyFrom(new float[qkv.Weight.Length]);
        qkv.Bias!.CopyFrom(new float[qkv.Bias.Length]);
        var r = AttentionMaps.Compute(vit, TestUtil.RandomImage(32, 32, 1));
        Assert.All(r.Maps, m => Assert.All(m, v => Assert.Equal(1f / 17, v, 6)));   // 1 / (1 + 16 tokens)
    }

    [Fact]
    public void LastBlockInputMatchesTheModel()
    {
        // With the last block's attention and MLP outputs zeroed the block is the identity, so
        // Norm(input of the last block) must equal the model's own outputs.
        var vit = TestUtil.TinyVit();
        var last = vit.Blocks[^1];
        foreach (var t in new[] { last.Attn.Proj.Weight, last.Attn.Proj.Bias!, last.Mlp.Fc2.Weight, last.Mlp.Fc2.Bias! })
            t.CopyFrom(new float[t.Length]);
        var img = TestUtil.RandomImage(40, 32, 3);
        var feats = new FeatureExtractor(vit).ExtractPrepared([img])[0];
        float[] normed;
        using (TensorScope.Begin())
            normed = vit.Norm.Forward(AttentionMaps.LastBlockInput(vit, img)).ToArray();     // [1, 21, 16]
        Assert.Equal(21 * 16, normed.Length);
        for (int i = 0; i < 16; i++) Assert.Equal(feats.Cls[i], normed[i], 4);
        for (int i = 0; i < 20 * 16; i++) Assert.Equal(feats.Patches[i], normed[16 + i], 4);
    }

    [Fact]
    public void PngsHaveThePreparedImageSize()
    {
        var r = AttentionMaps.Compute(TestUtil.TinyVit(), TestUtil.RandomImage(48, 32, 2));
        string prefix = Path.Combine(TestUtil.TempDir(), "attn", "img0");
        var paths = AttentionMaps.Write(r, prefix);
        Assert.Equal(2 + 2, paths.Count);
        foreach (string p in paths)
        {
            var info = ImageInfo.FromStream(File.OpenRead(p))!.Value;
            Assert.Equal((48, 32), (info.Width, info.Height));
        }
    }
}
