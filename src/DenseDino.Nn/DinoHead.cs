using DenseDino.Numerics;

namespace DenseDino.Nn;

/// <summary>
/// The DINO projection head (official DINOHead, no batch norm): mlp = Linear(D, hidden) − GELU −
/// [Linear(hidden, hidden) − GELU]×(layers−2) − Linear(hidden, bottleneck), L2-normalise, then a
/// weight-normalised Linear(bottleneck, K) without bias. weight_g [K, 1] starts at 1 and is
/// frozen (not trainable) when normLastLayer. weight_v keeps PyTorch's default Linear init.
/// </summary>
public sealed class DinoHead : Module
{
    private readonly List<Linear> layers = new();

    public DinoHead(IBackend backend, int inDim, int outDim, Random rng, int hiddenDim = 2048, int bottleneckDim = 256,
        int layerCount = 3, bool normLastLayer = true) : base(backend)
    {
        if (layerCount < 1) throw new ArgumentException($"DinoHead: layerCount must be >= 1, got {layerCount}");
        if (layerCount == 1)
            layers.Add(AddModule("mlp", new Linear(backend, inDim, bottleneckDim, rng)));
        else
        {
            // nn.Sequential indices: Linear at even positions, GELU (no parameters) between.
            int index = 0;
            layers.Add(AddModule($"mlp.{index}", new Linear(backend, inDim, hiddenDim, rng)));
            for (int i = 0; i < layerCount - 2; i++)
            {
                index += 2;
                layers.Add(AddModule($"mlp.{index}", new Linear(backend, hiddenDim, hiddenDim, rng)));
            }
            index += 2;
            layers.Add(AddModule($"mlp.{index}", new Linear(backend, hiddenDim, bottleneckDim, rng)));
        }
        OutDim = outDim;
        LastLayer = AddModule("last_layer", new WeightNormLinear(backend, bottleneckDim, outDim, rng, trainableG: !normLastLayer));
    }

    public int OutDim { get; }
    public IReadOnlyList<Linear> Layers => layers;
    public WeightNormLinear LastLayer { get; }

    /// <summary>x [..., D] → logits [..., K].</summary>
    public Tensor Forward(Tensor x)
    {
        x = layers[0].Forward(x);
        for (int i = 1; i < layers.Count; i++) x = layers[i].ForwardOnGelu(x);  // a GELU between consecutive linears
        return LastLayer.Forward(Ops.L2Normalize(x));                             // [..., K]
    }
}
