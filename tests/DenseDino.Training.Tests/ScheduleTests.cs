namespace DenseDino.Training.Tests;

public class ScheduleTests
{
    [Fact]
    public void LengthsAndEndpointsFollowDinoCosineScheduler()
    {
        var c = new TrainingConfig
        {
            Epochs = 10, WarmupEpochs = 2, BatchSize = 64, Lr = 0.0005, MinLr = 1e-6, WeightDecay = 0.04, WeightDecayEnd = 0.4,
            MomentumTeacher = 0.996, WarmupTeacherTemp = 0.04f, TeacherTemp = 0.07f, WarmupTeacherTempEpochs = 3,
        };
        var s = new TrainingSchedules(c, itersPerEpoch: 5);
        Assert.Equal(50, s.TotalSteps);
        Assert.Equal(50, s.WeightDecay.Length);
        Assert.Equal(50, s.Momentum.Length);
        Assert.Equal(10, s.TeacherTemp.Length);

        double peak = 0.0005 * 64 / 256;
        Assert.Equal(0, s.LearningRate[0]);
        Assert.Equal(peak, s.LearningRate[9], 15);              // last warm-up iteration reaches the peak
        Assert.Equal(peak, s.LearningRate[10], 15);             // cosine starts at the peak
        Assert.True(s.LearningRate[^1] > 1e-6 && s.LearningRate[^1] < 1e-6 + 1e-6);
        Assert.True(s.LearningRate.Skip(10).Zip(s.LearningRate.Skip(11)).All(p => p.First >= p.Second));

        Assert.Equal(0.04, s.WeightDecay[0], 15);
        Assert.InRange(s.WeightDecay[^1], 0.399, 0.4);
        Assert.Equal(0.996, s.Momentum[0], 15);
        Assert.InRange(s.Momentum[^1], 0.99999, 1.0);

        Assert.Equal(0.04, s.TeacherTemp[0], 6);
        Assert.Equal(0.07, s.TeacherTemp[2], 6);
        Assert.All(s.TeacherTemp.Skip(3), t => Assert.Equal(0.07, t, 6));
    }

    [Fact]
    public void NoWarmupStartsAtThePeak()
    {
        var s = new TrainingSchedules(new TrainingConfig { Epochs = 2, WarmupEpochs = 0, BatchSize = 256, Lr = 0.001 }, 3);
        Assert.Equal(0.001, s.LearningRate[0], 15);
        Assert.Throws<ArgumentException>(() => new TrainingSchedules(new TrainingConfig(), 0));
    }
}
