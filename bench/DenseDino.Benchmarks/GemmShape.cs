namespace DenseDino.Benchmarks;

/// <summary>One benchmarked GEMM: batch x ([m, k] * op(B) [k, n]); B is [n, k] when TransB.</summary>
public sealed record GemmShape(string Name, int Batch, int M, int N, int K, bool TransB, bool SharedB = false, bool TransA = false)
{
    public double Flops => 2.0 * Batch * M * N * K;

    public override string ToString() => Name;

    /// <summary>Square sizes plus the ViT-Tiny / DINO-head shapes of a DenseDINO step (32 views of 197 tokens).</summary>
    public static readonly GemmShape[] All =
    [
        new("512^3", 1, 512, 512, 512, false),
        new("1024^3", 1, 1024, 1024, 1024, false),
        new("2048^3", 1, 2048, 2048, 2048, false),
        new("qkv 197x192x576", 1, 197, 576, 192, false),
        new("qkv 6304x192x576", 1, 6304, 576, 192, false),
        new("attn 96x197x64x197", 96, 197, 197, 64, true),
        new("head 64x256x65536^T", 1, 64, 65536, 256, true),
        // The REF logits' last layer at 96 px b32 (1024 REF rows, K = 65536): forward, input gradient, weight gradient.
        new("ref 1024x256x65536^T", 1, 1024, 65536, 256, true),
        new("ref dx 1024x65536x256", 1, 1024, 256, 65536, false),
        new("ref dW 65536x1024x256 A^T", 1, 65536, 256, 1024, false, TransA: true),
        // Weight gradients of a training step: dW = X^T dY with K = tokens (A transposed).
        new("dW 768x192x6304 A^T", 1, 768, 192, 6304, false, TransA: true),
        new("dW 192x768x6304 A^T", 1, 192, 768, 6304, false, TransA: true),
    ];
}
