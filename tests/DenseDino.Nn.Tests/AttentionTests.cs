using DenseDino.Numerics;
using DenseDino.Numerics.Autograd;

namespace DenseDino.Nn.Tests;

public class AttentionTests
{
    private const int B = 2, D = 8, Heads = 2, N = 5, M = 3;

    [Fact]
    public void MaskTablesFollowTheOfficialCode()
    {
        // 1 CLS, 2 REF, 2 patches: L = 5. Rows = queries, columns = keys.
        string Show(MaskMode mode)
        {
            var b = MaskModes.Blocked(mode, 2, 2)!;
            return string.Join("|", Enumerable.Range(0, 5).Select(i => string.Concat(Enumerable.Range(0, 5).Select(j => b[i, j] ? 'x' : '.'))));
        }
        Assert.Null(MaskModes.Blocked(MaskMode.None, 2, 2));
        Assert.Equal(".xx..|.xx..|.xx..|.xx..|.xx..", Show(MaskMode.All2Pos));
        Assert.Equal(".xx..|xxx..|xxx..|.xx..|.xx..", Show(MaskMode.All2PosPos2Cls));
        Assert.Equal(".xx..|x.x..|xx...|.xx..|.xx..", Show(MaskMode.All2PosPos2ClsEye));
        Assert.Equal(".xx..|x.x..|xx...|xxx..|xxx..", Show(MaskMode.AllQuery));
        Assert.Equal(MaskMode.All2PosPos2ClsEye, MaskModes.Parse("all2pos_pos2cls_eye"));
        Assert.Throws<ArgumentException>(() => MaskModes.Parse("eye"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(7UL)]
    public void SplitDefaultPathEqualsFullMaskPath(ulong? dropSeed)
    {
        using var scope = TensorScope.Begin();
        var rng = new Random(11);
        using var block = new Block(TestBackend.Cpu, D, Heads, 4, dropSeed is null ? 0f : 0.5f, new Random(3));
        var cls = TestBackend.Random(rng, [B, 1, D]);
        var refs = TestBackend.Random(rng, [B, M, D]);
        var patches = TestBackend.Random(rng, [B, N, D]);
        var wMain = TestBackend.Random(rng, [B, 1 + N, D]);
        var wRefs = TestBackend.Random(rng, [B, M, D]);

        var (main, refOut) = block.ForwardSplit(Ops.Concat(1, cls, patches), refs, dropSeed);
        Ops.Add(Ops.Sum(Ops.Mul(main, wMain)), Ops.Sum(Ops.Mul(refOut!, wRefs))).Backward();
        var splitGrads = block.NamedParameters().Select(p => p.Value.Grad!.ToArray()).ToList();
        block.ZeroGrad();

        var mask = Ops.AttentionMask(TestBackend.Cpu, MaskModes.Blocked(MaskMode.All2PosPos2ClsEye, M, N)!);
        var full = block.Forward(Ops.Concat(1, cls, refs, patches), mask, dropSeed);          // [B, 1+M+N, D]
        var fullMain = Ops.Concat(1, Ops.Slice(full, 1, 0, 1), Ops.Slice(full, 1, 1 + M, N));
        var fullRefs = Ops.Slice(full, 1, 1, M);
        Ops.Add(Ops.Sum(Ops.Mul(fullMain, wMain)), Ops.Sum(Ops.Mul(fullRefs, wRefs))).Backward();

        Compare.Close("main", Array.ConvertAll(fullMain.ToArray(), x => (double)x), main.ToArray(), 1e-5);
        Compare.Close("refs", Array.ConvertAll(fullRefs.ToArray(), x => (double)x), refOut!.ToArray(), 1e-5);
        int i = 0;
        foreach (var (name, p) in block.NamedParameters())
            Compare.Close("grad " + name, Array.ConvertAll(p.Grad!.ToArray(), x => (double)x), splitGrads[i++], 1e-4);
    }

    [Fact]
    public void ClsAndPatchOutputsIgnoreReferenceTokens()
    {
        using var scope = TensorScope.Begin();
        var rng = new Random(5);
        using var block = new Block(TestBackend.Cpu, D, Heads, 4, 0f, new Random(4));
        var main = TestBackend.Random(rng, [B, 1 + N, D]);
        var refs = TestBackend.Random(rng, [B, M, D]);
        var (withRefs, _) = block.ForwardSplit(main, refs, null);
        var (withoutRefs, none) = block.ForwardSplit(main, null, null);
        Assert.Null(none);
        Assert.Equal(withoutRefs.ToArray(), withRefs.ToArray());
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        using var scope = TensorScope.Begin();
        using var attn = new MaskedAttention(TestBackend.Cpu, D, Heads, new Random(1));
        var ex = Assert.Throws<ArgumentException>(() => attn.Forward(Tensor.Zeros(TestBackend.Cpu, [B, 4, D + 1]), null));
        Assert.Contains("[B, L, D=8]", ex.Message);
        Assert.Throws<ArgumentException>(() => new MaskedAttention(TestBackend.Cpu, 9, 2, new Random(1)));
    }

    /// <summary>
    /// The reference tokens' attention of every block adds into that block's qkv gradient. Backward runs
    /// ops in reverse recording order, so that gradient lives for one block: the memory backward needs on
    /// top of the forward's and the parameters' gradients must not grow with depth (a depth-first order
    /// held one per block).
    /// </summary>
    [Fact]
    public void SplitBackwardMemoryDoesNotGrowWithDepth()
    {
        long shallow = BackwardExtraFloats(depth: 2), deep = BackwardExtraFloats(depth: 8);
        long qkvGradient = 2L * 17 * 3 * 16;
        Assert.True(deep < shallow + qkvGradient, $"backward's extra memory: {shallow} floats at depth 2, {deep} at depth 8");
    }

    private static long BackwardExtraFloats(int depth)
    {
        const int b = 2, n = 16, m = 4, d = 16, heads = 2;
        using var be = new DenseDino.Backends.Cpu.CpuBackend(1);
        var rng = new Random(depth);
        Tensor Random(Shape shape) => Tensor.FromArray(be, Enumerable.Range(0, (int)shape.Length).Select(_ => rng.NextSingle() * 2 - 1).ToArray(), shape);
        var blocks = Enumerable.Range(0, depth).Select(i => new Block(be, d, heads, 4, 0f, new Random(i))).ToList();
        blocks.ForEach(block => block.FlattenParameters());   // parameter gradients in place, not allocated by backward
        try
        {
            using var scope = TensorScope.Begin();
            Tensor main = Random([b, 1 + n, d]), refs = Random([b, m, d]);
            var (wMain, wRefs) = (Random([b, 1 + n, d]), Random([b, m, d]));
            foreach (var block in blocks)
            {
                var (nextMain, nextRefs) = block.ForwardSplit(main, refs, null);
                (main, refs) = (nextMain, nextRefs!);
            }
            var loss = Ops.Add(Ops.Sum(Ops.Mul(main, wMain)), Ops.Sum(Ops.Mul(refs, wRefs)));
            be.Pool.ResetPeak();
            long before = be.Pool.FloatsInUse;
            loss.Backward();
            return be.Pool.PeakFloatsInUse - before;
        }
        finally
        {
            foreach (var block in blocks) block.Dispose();
        }
    }
}
