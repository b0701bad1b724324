namespace DenseDino.Data;

/// <summary>
/// xoshiro256** seeded through SplitMix64. One instance per sample, derived from
/// (seed, epoch, index), so a sample's views do not depend on worker scheduling.
/// </summary>
public sealed class SampleRng
{
    private ulong _s0, _s1, _s2, _s3;

    public SampleRng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The generator for one sample of one epoch; the three parts are mixed, not added, so (1, 0) and (0, 1) differ.</summary>
    public static SampleRng ForSample(long seed, int epoch, long index)
    {
        ulong x = (ulong)seed;
        ulong h = SplitMix64(ref x);
        x = h ^ (ulong)(uint)epoch;
        h = SplitMix64(ref x);
        x = h ^ (ulong)index;
        return new SampleRng(SplitMix64(ref x));
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive), unbiased (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            UInt128 m = (UInt128)r * bound;
            if ((ulong)m >= threshold) return (int)(ulong)(m >> 64);
        }
    }

    /// <summary>True with probability p (p = 1 always, p = 0 never).</summary>
    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public int[] Permutation(int n)
    {
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
