using DenseDino.Backends.Cpu;
using DenseDino.Numerics.Autograd;
using static DenseDino.Numerics.Tests.GradInput;

namespace DenseDino.Numerics.Tests;

/// <summary>
/// Ops.AttentionPacked and Ops.RefAttentionPacked: backward against finite differences, and forward
/// plus gradients equal to the head split → attention → merge they replace, written with generic ops
/// (the official reshape(B, L, 3, H, Dh).permute(2, 0, 3, 1, 4), MatMul, Softmax, Concat, Slice).
/// </summary>
public sealed class PackedAttentionTests : IDisposable
{
    private readonly CpuBackend be = new(2);
    public void Dispose() => be.Dispose();

    // (B, L, H, Dh, masked): odd L, B = 1, L = 1, H = 1 and 3, Dh not a multiple of 8; the CPU's
    // 16- and 8-wide register tiles need Dh = 16 or 24 and L past 16 (a 96 px view has 37 tokens).
    public static TheoryData<int, int, int, int, bool> SelfShapes => new()
    {
        { 2, 5, 3, 3, false }, { 1, 7, 1, 5, true }, { 2, 1, 2, 3, false }, { 1, 5, 3, 2, true },
    };

    public static TheoryData<int, int, int, int, bool> WideSelfShapes => new()
    {
        { 1, 37, 2, 24, false }, { 2, 19, 1, 16, true }, { 1, 16, 3, 8, true },
    };

    // (B, N, M, H, Dh): M = 1, B = 1, H = 1 and 3, N = 1, Dh not a multiple of 8.
    public static TheoryData<int, int, int, int, int> RefShapes => new()
    {
        { 2, 4, 3, 3, 3 }, { 1, 5, 1, 1, 5 }, { 2, 1, 2, 2, 3 }, { 1, 6, 2, 3, 2 },
    };

    // N + 1 = 16 (the own key fills the padded row exactly), N = 16 (it spills into a second tile), N = 36.
    public static TheoryData<int, int, int, int, int> WideRefShapes => new()
    {
        { 1, 15, 7, 1, 16 }, { 2, 16, 2, 2, 24 }, { 1, 36, 8, 1, 8 },
    };

    [Theory, MemberData(nameof(SelfShapes))]
    public void AttentionPackedBackwardMatchesFiniteDifferences(int b, int l, int heads, int dh, bool masked)
    {
        var rng = new Random(b * 1000 + l * 100 + heads * 10 + dh);
        using var mask = masked ? RandomMask(rng, l) : null;
        GradCheck.Run(be, t => Ops.AttentionPacked(t[0], heads, mask, 0.6f), [Uniform(rng, [b, l, 3 * heads * dh], -2f, 2f)], seed: 7);
    }

    [Theory, MemberData(nameof(RefShapes))]
    public void RefAttentionPackedBackwardMatchesFiniteDifferences(int b, int n, int m, int heads, int dh)
    {
        var rng = new Random(b * 1000 + n * 100 + m * 10 + heads + dh);
        int c = 3 * heads * dh;
        GradCheck.Run(be, t => Ops.RefAttentionPacked(t[0], t[1], heads, 0.6f), [Uniform(rng, [b, 1 + n, c], -2f, 2f), Uniform(rng, [b, m, c], -2f, 2f)], seed: 8);
    }

    [Theory, MemberData(nameof(SelfShapes)), MemberData(nameof(WideSelfShapes))]
    public void AttentionPackedEqualsSplitAttentionMerge(int b, int l, int heads, int dh, bool masked)
    {
        var rng = new Random(b * 1000 + l * 100 + heads * 10 + dh + 1);
        using var scope = TensorScope.Begin();
        var mask = masked ? RandomMask(rng, l) : null;
        int d = heads * dh;
        var qkv = Input(rng, [b, l, 3 * d]);
        var w = Input(rng, [b, l, d], grad: false);
        float scale = 0.6f;

        var (packedOut, packedGrad) = OutputAndGrad(qkv, w, () => Ops.AttentionPacked(qkv, heads, mask, scale));
        var (refOut, refGrad) = OutputAndGrad(qkv, w, () =>
        {
            var (q, k, v) = SplitHeads(qkv, heads);                                    // each [B, H, L, Dh]
            var logits = Ops.Mul(Ops.MatMul(q, k, transB: true), scale);               // [B, H, L, L]
            if (mask is not null) logits = Ops.Add(logits, mask);
            return MergeHeads(Ops.MatMul(Ops.Softmax(logits), v));                     // [B, L, D]
        });
        Close("out", refOut, packedOut);
        Close("dqkv", refGrad, packedGrad);
    }

    [Theory, MemberData(nameof(RefShapes)), MemberData(nameof(WideRefShapes))]
    public void RefAttentionPackedEqualsTheSplitReferenceMath(int b, int n, int m, int heads, int dh)
    {
        var rng = new Random(b * 1000 + n * 100 + m * 10 + heads + dh + 1);
        using var scope = TensorScope.Begin();
        int d = heads * dh;
        var qkvMain = Input(rng, [b, 1 + n, 3 * d]);
        var qkvRefs = Input(rng, [b, m, 3 * d]);
        var w = Input(rng, [b, m, d], grad: false);
        float scale = 0.6f;

        var (packedOut, packedGrads) = OutputAndGrad([qkvMain, qkvRefs], w, () => Ops.RefAttentionPacked(qkvMain, qkvRefs, heads, scale));
        var (refOut, refGrads) = OutputAndGrad([qkvMain, qkvRefs], w, () =>
        {
            // MaskedAttention.ForwardSplit before packed attention, op for op.
            var (_, k, v) = SplitHeads(qkvMain, heads);                               // each [B, H, 1+N, Dh]
            var (qr, kr, vr) = SplitHeads(qkvRefs, heads);                            // each [B, H, M, Dh]
            var kp = Ops.Slice(k, 2, 1, n);                                            // [B, H, N, Dh] patch keys
            var vp = Ops.Slice(v, 2, 1, n);
            var patchLogits = Ops.Mul(Ops.MatMul(qr, kp, transB: true), scale);       // [B, H, M, N]
            var selfLogit = Ops.Mul(Ops.Sum(Ops.Mul(qr, kr), 3, keepDim: true), scale); // [B, H, M, 1]
            var probs = Ops.Softmax(Ops.Concat(3, patchLogits, selfLogit));           // [B, H, M, N+1]
            var fromPatches = Ops.MatMul(Ops.Slice(probs, 3, 0, n), vp);              // [B, H, M, Dh]
            var fromSelf = Ops.Mul(Ops.Slice(probs, 3, n, 1), vr);
            return MergeHeads(Ops.Add(fromPatches, fromSelf));                         // [B, M, D]
        });
        Close("out", refOut, packedOut);
        Close("dqkvMain", refGrads[0], packedGrads[0]);
        Close("dqkvRefs", refGrads[1], packedGrads[1]);
        // Only the patch rows' k and v reach main: its q part and CLS row are exact zeros.
        for (int i = 0; i < packedGrads[0].Length; i++)
        {
            int col = i % (3 * d), row = i / (3 * d) % (1 + n);
            if (col < d || row == 0) Assert.Equal(0f, packedGrads[0][i]);
        }
    }

    [Fact]
    public void ShapeErrorsNameTheOpAndArgument()
    {
        using var scope = TensorScope.Begin();
        Tensor Z(params int[] s) => Tensor.Zeros(be, s);
        Assert.Contains("AttentionPacked: qkv [2, 5, 10]", Assert.Throws<ArgumentException>(() => Ops.AttentionPacked(Z(2, 5, 10), 2, null, 1f)).Message);
        Assert.Contains("heads 4", Assert.Throws<ArgumentException>(() => Ops.AttentionPacked(Z(2, 5, 18), 4, null, 1f)).Message);
        Assert.Contains("mask", Assert.Throws<ArgumentException>(() => Ops.AttentionPacked(Z(2, 5, 18), 3, Z(5, 4), 1f)).Message);
        Assert.Contains("qkvRefs [3, 2, 18]", Assert.Throws<ArgumentException>(() => Ops.RefAttentionPacked(Z(2, 5, 18), Z(3, 2, 18), 3, 1f)).Message);
        Assert.Contains("qkvRefs [2, 2, 12]", Assert.Throws<ArgumentException>(() => Ops.RefAttentionPacked(Z(2, 5, 18), Z(2, 2, 12), 2, 1f)).Message);
        Assert.Contains("no CLS row", Assert.Throws<ArgumentException>(() => Ops.RefAttentionPacked(Z(2, 0, 18), Z(2, 2, 18), 3, 1f)).Message);
    }

    /// <summary>qkv [B, L, 3D] → q, k, v each [B, H, L, Dh].</summary>
    private static (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor qkv, int heads)
    {
        int b = qkv.Shape[0], l = qkv.Shape[1], dh = qkv.Shape[2] / 3 / heads;
        var perm = Ops.Permute(Ops.Reshape(qkv, b, l, 3, heads, dh), 2, 0, 3, 1, 4);    // [3, B, H, L, Dh]
        Tensor Part(int i) => Ops.Reshape(Ops.Slice(perm, 0, i, 1), b, heads, l, dh);
        return (Part(0), Part(1), Part(2));
    }

    /// <summary>o [B, H, L, Dh] → [B, L, H·Dh].</summary>
    private static Tensor MergeHeads(Tensor o) => Ops.Reshape(Ops.Permute(o, 0, 2, 1, 3), o.Shape[0], o.Shape[2], o.Shape[1] * o.Shape[3]);

    /// <summary>Additive mask with −∞ at random places, never a whole row (so each query sees a key).</summary>
    private Tensor RandomMask(Random rng, int l)
    {
        var blocked = new bool[l, l];
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++) blocked[i, j] = j != (i * 3 + 1) % l && rng.Next(3) == 0;
        return Ops.AttentionMask(be, blocked);
    }

    private Tensor Input(Random rng, int[] shape, bool grad = true)
    {
        var t = Tensor.FromArray(be, Uniform(rng, shape, -2f, 2f).Data, shape);
        t.RequiresGrad = grad;
        return t;
    }

    private static (float[] Out, float[] Grad) OutputAndGrad(Tensor x, Tensor w, Func<Tensor> f)
    {
        var (o, g) = OutputAndGrad([x], w, f);
        return (o, g[0]);
    }

    /// <summary>f's output and the gradients of Σ f·w for each input (then cleared).</summary>
    private static (float[] Out, float[][] Grads) OutputAndGrad(Tensor[] xs, Tensor w, Func<Tensor> f)
    {
        var y = f();
        Ops.Sum(Ops.Mul(y, w)).Backward();
        var grads = xs.Select(x => x.Grad!.ToArray()).ToArray();
        foreach (var x in xs) x.ZeroGrad();
        return (y.ToArray(), grads);
    }

    private static void Close(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i])))
                Assert.Fail($"{what}[{i}]: packed {actual[i]:R}, reference {expected[i]:R}");
    }
}
