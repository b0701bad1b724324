namespace DenseDino.Interop.Tests;

public sealed class PthReaderTests
{
    [Fact]
    public void ReadsPlainStateDict()
    {
        var sd = CheckpointFile.ReadStateDict(Fixtures.File("dino_vit.pth"));
        Assert.Equal([1, 17, 16], sd["pos_embed"].Shape);
        Assert.Equal([16, 3, 8, 8], sd["patch_embed.proj.weight"].Shape);
        Assert.Equal([48, 16], sd["blocks.1.attn.qkv.weight"].Shape);
        Assert.Equal("cls_token", sd.Keys.First());   // official state_dict order kept
    }

    [Fact]
    public void ReadsDinoTrainingCheckpoint()
    {
        var root = Assert.IsType<PickleDict>(TorchCheckpointReader.Read(Fixtures.File("dino_checkpoint.pth")));
        Assert.Equal(3L, root["epoch"]);
        var args = Assert.IsType<PickleObject>(root["args"]);
        Assert.Equal("argparse.Namespace", args.TypeName);
        var state = Assert.IsType<PickleDict>(args.State);
        Assert.Equal("vit_tiny", state["arch"]);
        Assert.Equal(new object?[] { 0.05, 0.4 }, state["local_crops_scale"]);
        Assert.Equal([1, 32], Assert.IsType<HostTensor>(Assert.IsType<PickleDict>(root["dino_loss"])["center"]).Shape);

        // optimizer.state_dict(): int-keyed state with tensors; param_groups with floats, tuples, int lists
        var optimizer = Assert.IsType<PickleDict>(root["optimizer"]);
        var optState = Assert.IsType<PickleDict>(optimizer["state"]);
        var group = Assert.IsType<PickleDict>(Assert.Single(Assert.IsType<List<object?>>(optimizer["param_groups"])));
        var ids = Assert.IsType<List<object?>>(group["params"]);
        Assert.Equal(optState.Items.Count, ids.Count);
        Assert.Equal(0L, optState.Items[0].Key);
        Assert.Equal(0.0005, group["lr"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, group["betas"]);
        var first = Assert.IsType<PickleDict>(optState.Items[0].Value);
        Assert.Equal([1, 1, 16], Assert.IsType<HostTensor>(first["exp_avg"]).Shape);   // cls_token's moments
        Assert.Equal(65536.0, Assert.IsType<PickleDict>(root["fp16_scaler"])["scale"]);

        var teacher = CheckpointFile.ReadStateDict(Fixtures.File("dino_checkpoint.pth"));
        Assert.Contains("backbone.pos_embed", teacher.Keys);
        var student = CheckpointFile.ReadStateDict(Fixtures.File("dino_checkpoint.pth"), "student");
        Assert.Contains("module.head.last_layer.weight_v", student.Keys);
        Assert.NotEqual(teacher["backbone.cls_token"].Data, student["module.backbone.cls_token"].Data);
    }

    [Fact]
    public void SafeTensorsAndPthGiveTheSameStateDict()
    {
        var sd = CheckpointFile.ReadStateDict(Fixtures.File("densedino_model.pth"));
        string path = Fixtures.TempFile("sd.safetensors");
        SafeTensorsWriter.Write(path, sd);
        var back = CheckpointFile.ReadStateDict(path);
        Assert.Equal(sd.Keys, back.Keys);
        foreach (var k in sd.Keys) Assert.Equal(sd[k].Data, back[k].Data);
    }

    [Fact]
    public void MissingSectionIsNamed()
    {
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointFile.ReadStateDict(Fixtures.File("dino_checkpoint.pth"), "ema"));
        Assert.Contains("section 'ema'", ex.Message);
    }
}
