using DenseDino.Nn;
using DenseDino.Numerics;

namespace DenseDino.Interop.Tests;

/// <summary>Official checkpoints loaded into our modules reproduce the official final-norm tokens and head logits.</summary>
public sealed class OfficialLoadTests
{
    private const double Tol = 2e-4;

    /// <summary>Compares [CLS ; patches] of our backbone with the official get_intermediate_layers output [B, 1+N, D].</summary>
    internal static void CheckTokens(VisionTransformer vit, string prefix)
    {
        foreach (var image in new[] { "square", "wide" })
        {
            using var scope = TensorScope.Begin();
            var output = vit.Forward(Fixtures.ToTensor(Fixtures.Expected[$"input.{image}"]));
            var expected = Fixtures.Expected[$"{prefix}.{image}"];          // [B, 1+N, D]
            int b = expected.Shape[0], l = expected.Shape[1], d = expected.Shape[2];
            var cls = output.Cls.ToArray();
            var patches = output.Patches.ToArray();
            Assert.Equal(b * (l - 1) * d, patches.Length);
            var ours = new float[b * l * d];
            for (int i = 0; i < b; i++)
            {
                Array.Copy(cls, i * d, ours, i * l * d, d);
                Array.Copy(patches, i * (l - 1) * d, ours, i * l * d + d, (l - 1) * d);
            }
            Fixtures.Close(expected.Data, ours, Tol, $"{prefix}.{image}");
        }
    }

    [Fact]
    public void DinoVitStateDict()
    {
        using var vit = OfficialCheckpoints.LoadBackbone(Fixtures.Cpu, Fixtures.File("dino_vit.pth"), heads: Fixtures.Heads);
        Assert.Equal(new VitConfig(32, 8, 16, 2, 2), vit.Config);
        CheckTokens(vit, "dino_vit");
    }

    [Fact]
    public void DinoTrainingCheckpointTeacherWithHead()
    {
        using var model = OfficialCheckpoints.LoadModel(Fixtures.Cpu, Fixtures.File("dino_checkpoint.pth"), heads: Fixtures.Heads);
        CheckTokens(model.Backbone, "dino_teacher");
        using var scope = TensorScope.Begin();
        var cls = Fixtures.ToTensor(new HostTensor([2, 16], Cls(Fixtures.Expected["dino_teacher.square"])));
        Fixtures.Close(Fixtures.Expected["dino_teacher.head"].Data, model.Head.Forward(cls).ToArray(), Tol, "head");
        // No ref_head in DINO: it starts as the head.
        Assert.Equal(model.Head.LastLayer.WeightV.ToArray(), model.RefHead.LastLayer.WeightV.ToArray());
    }

    [Fact]
    public void DinoStudentWithModulePrefix()
    {
        using var model = OfficialCheckpoints.LoadModel(Fixtures.Cpu, Fixtures.File("dino_checkpoint.pth"), "student", heads: Fixtures.Heads);
        var sd = CheckpointFile.ReadStateDict(Fixtures.File("dino_checkpoint.pth"), "student");
        Assert.Equal(sd["module.backbone.blocks.1.mlp.fc2.weight"].Data, model.Backbone.Blocks[1].Mlp.NamedParameters().First(p => p.Name == "fc2.weight").Value.ToArray());
    }

    [Fact]
    public void DenseDinoModelStateDict()
    {
        using var model = OfficialCheckpoints.LoadModel(Fixtures.Cpu, Fixtures.File("densedino_model.pth"), heads: Fixtures.Heads);
        var parts = OfficialStateDict.Split(CheckpointFile.ReadStateDict(Fixtures.File("densedino_model.pth")), "densedino_model.pth");
        Assert.Equal(new HeadConfig(32, 32, 16, 3), ArchitectureInference.Head(parts.RefHead!, "densedino_model.pth"));
        CheckTokens(model.Backbone, "densedino");
        using var scope = TensorScope.Begin();
        var cls = Fixtures.ToTensor(new HostTensor([2, 16], Cls(Fixtures.Expected["densedino.square"])));
        Fixtures.Close(Fixtures.Expected["densedino.ref_head"].Data, model.RefHead.Forward(cls).ToArray(), Tol, "ref_head");
    }

    [Fact]
    public void BareHeadFileAndRefHead()
    {
        // the teacher head alone, under its bare names (mlp.*, last_layer.*)
        var teacher = CheckpointFile.ReadStateDict(Fixtures.File("dino_checkpoint.pth"));
        string path = Fixtures.TempFile("head.safetensors");
        SafeTensorsWriter.Write(path, teacher.Where(kv => kv.Key.StartsWith("head.", StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key["head.".Length..], kv.Value)));
        using var scope = TensorScope.Begin();
        using var head = OfficialCheckpoints.LoadHead(Fixtures.Cpu, path);
        var cls = Fixtures.ToTensor(new HostTensor([2, 16], Cls(Fixtures.Expected["dino_teacher.square"])));
        Fixtures.Close(Fixtures.Expected["dino_teacher.head"].Data, head.Forward(cls).ToArray(), Tol, "bare head");

        using var refHead = OfficialCheckpoints.LoadHead(Fixtures.Cpu, Fixtures.File("densedino_model.pth"), "ref_head");
        var denseCls = Fixtures.ToTensor(new HostTensor([2, 16], Cls(Fixtures.Expected["densedino.square"])));
        Fixtures.Close(Fixtures.Expected["densedino.ref_head"].Data, refHead.Forward(denseCls).ToArray(), Tol, "ref_head");
        Assert.Contains("no 'ref_head' tensors", Assert.Throws<CheckpointMismatchException>(
            () => OfficialCheckpoints.LoadHead(Fixtures.Cpu, Fixtures.File("dino_checkpoint.pth"), "ref_head")).Message);
    }

    [Fact]
    public void HeadsDefaultToDimOver64()
    {
        var sd = new Dictionary<string, HostTensor>
        {
            ["patch_embed.proj.weight"] = new([384, 3, 16, 16], new float[384 * 3 * 256]),
            ["pos_embed"] = new([1, 197, 384], new float[197 * 384]),
            ["blocks.0.norm1.weight"] = new([384], new float[384]),
            ["blocks.0.mlp.fc1.weight"] = new([1536, 384], new float[1536 * 384]),
        };
        var cfg = ArchitectureInference.Vit(OfficialStateDict.ToDenseDinoBackbone(sd, "x"), "x");
        Assert.Equal(new VitConfig(224, 16, 384, 1, 6), cfg);
    }

    [Fact]
    public void MismatchedArchitectureNamesTensorAndShapes()
    {
        var sd = CheckpointFile.ReadStateDict(Fixtures.File("dino_vit.pth"));
        var backbone = OfficialStateDict.Split(sd, "dino_vit.pth").Backbone;
        using (var wide = new VisionTransformer(Fixtures.Cpu, new VitConfig(32, 8, 24, 2, 2), 0))
        {
            var ex = Assert.Throws<CheckpointMismatchException>(() => StateLoader.Load(wide, backbone, "dino_vit.pth"));
            Assert.Contains("'cls_token'", ex.Message);
            Assert.Contains("[1, 1, 16]", ex.Message);
            Assert.Contains("[1, 1, 24]", ex.Message);
        }
        using (var deep = new VisionTransformer(Fixtures.Cpu, new VitConfig(32, 8, 16, 3, 2), 0))
            Assert.Contains("missing tensor 'blocks.2.", Assert.Throws<CheckpointMismatchException>(() => StateLoader.Load(deep, backbone, "f")).Message);
        using (var shallow = new VisionTransformer(Fixtures.Cpu, new VitConfig(32, 8, 16, 1, 2), 0))
            Assert.Contains("unexpected tensors 'blocks.1.", Assert.Throws<CheckpointMismatchException>(() => StateLoader.Load(shallow, backbone, "f")).Message);
        using (var bigger = new VisionTransformer(Fixtures.Cpu, new VitConfig(48, 8, 16, 2, 2), 0))
        {
            var ex = Assert.Throws<CheckpointMismatchException>(() => StateLoader.Load(bigger, backbone, "f"));
            Assert.Contains("'patch_pos_embed' has shape [1, 16, 16] in the checkpoint, [1, 36, 16] in the model", ex.Message);
        }
        // through the public entry points, with the part prefix in the name
        string pth = Fixtures.File("densedino_model.pth");
        var bad = Assert.Throws<CheckpointMismatchException>(() => OfficialCheckpoints.LoadModel(Fixtures.Cpu, pth, heads: Fixtures.Heads, head: new HeadConfig(64, 32, 16)));
        Assert.Contains("'head.last_layer.weight_g' has shape [32, 1] in the checkpoint, [64, 1] in the model", bad.Message);
        Assert.Contains(pth, bad.Message);
        bad = Assert.Throws<CheckpointMismatchException>(() => OfficialCheckpoints.LoadBackbone(Fixtures.Cpu, pth, config: new VitConfig(32, 4, 16, 2, 2)));
        Assert.Contains("'patch_pos_embed' has shape [1, 16, 16] in the checkpoint, [1, 64, 16] in the model", bad.Message);
        // Inference refuses a head count that does not divide dim.
        Assert.Contains("not a multiple of 3 heads", Assert.Throws<CheckpointMismatchException>(
            () => OfficialCheckpoints.LoadBackbone(Fixtures.Cpu, Fixtures.File("dino_vit.pth"), heads: 3)).Message);
    }

    private static float[] Cls(HostTensor tokens)
    {
        int b = tokens.Shape[0], l = tokens.Shape[1], d = tokens.Shape[2];
        var r = new float[b * d];
        for (int i = 0; i < b; i++) Array.Copy(tokens.Data, i * l * d, r, i * d, d);
        return r;
    }
}
