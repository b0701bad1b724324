namespace DenseDino.Nn;

/// <summary>
/// Deterministic parameter initialisers, as the official code's: trunc_normal_(std) for Linear
/// weights, pos-embeds and tokens; PyTorch's default kaiming-uniform (a = √5), i.e.
/// U(−1/√fanIn, 1/√fanIn), for the layers the official init leaves alone (the patch conv and
/// the weight-normalised last head layer). One seeded <see cref="Random"/> is threaded through
/// construction in registration order.
/// </summary>
public static class Init
{
    /// <summary>timm's trunc_normal_(mean 0, std, a = −2, b = 2): absolute bounds, redrawn when outside.</summary>
    public static float[] TruncNormal(Random rng, int count, double std, double low = -2, double high = 2)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            double x;
            do
            {
                // Box–Muller; 1 − u keeps the log argument in (0, 1].
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                x = std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            } while (x < low || x > high);
            data[i] = (float)x;
        }
        return data;
    }

    public static float[] Uniform(Random rng, int count, double bound)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        return data;
    }

    public static float[] Constant(int count, float value)
    {
        var data = new float[count];
        Array.Fill(data, value);
        return data;
    }
}
