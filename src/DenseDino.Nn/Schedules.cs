namespace DenseDino.Nn;

/// <summary>Training schedules as precomputed arrays (DINO's utils.cosine_scheduler and the teacher temperature warm-up).</summary>
public static class Schedules
{
    /// <summary>np.linspace(start, stop, count) (endpoint included; [start] when count is 1).</summary>
    public static double[] Linspace(double start, double stop, int count)
    {
        if (count < 0) throw new ArgumentException($"Linspace: count must be >= 0, got {count}");
        var y = new double[count];
        if (count == 0) return y;
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++) y[i] = start + i * step;
        if (count > 1) y[count - 1] = stop;
        return y;
    }

    /// <summary>DINOLoss.teacher_temp_schedule: linspace(warmup, final, warmupEpochs) then final for the remaining epochs.</summary>
    public static double[] TeacherTemperature(double warmupTemp, double finalTemp, int warmupEpochs, int epochs)
    {
        if (warmupEpochs < 0 || warmupEpochs > epochs)
            throw new ArgumentException($"TeacherTemperature: warmupEpochs {warmupEpochs} must be in [0, epochs {epochs}]");
        var schedule = new double[epochs];
        Linspace(warmupTemp, finalTemp, warmupEpochs).CopyTo(schedule, 0);
        Array.Fill(schedule, finalTemp, warmupEpochs, epochs - warmupEpochs);
        return schedule;
    }

    /// <summary>
    /// DINO's utils.cosine_scheduler: linear warm-up from startWarmupValue to baseValue over
    /// warmupEpochs·itersPerEpoch iterations, then final + ½(base − final)(1 + cos(π·i/I)).
    /// One value per global iteration (epochs·itersPerEpoch).
    /// </summary>
    public static double[] Cosine(double baseValue, double finalValue, int epochs, int itersPerEpoch, int warmupEpochs = 0, double startWarmupValue = 0)
    {
        if (epochs <= 0 || itersPerEpoch <= 0)
            throw new ArgumentException($"Cosine: epochs {epochs} and itersPerEpoch {itersPerEpoch} must be > 0");
        if (warmupEpochs < 0 || warmupEpochs > epochs)
            throw new ArgumentException($"Cosine: warmupEpochs {warmupEpochs} must be in [0, epochs {epochs}]");
        int warmupIters = warmupEpochs * itersPerEpoch, total = epochs * itersPerEpoch;
        var schedule = new double[total];
        Linspace(startWarmupValue, baseValue, warmupIters).CopyTo(schedule, 0);
        int rest = total - warmupIters;
        for (int i = 0; i < rest; i++)
            schedule[warmupIters + i] = finalValue + 0.5 * (baseValue - finalValue) * (1 + Math.Cos(Math.PI * i / rest));
        return schedule;
    }
}
