using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void ConstantIsConstant()
    {
        var s = new ConstantSchedule(0.01f);
        Assert.Equal(0.01f, s.GetLearningRate(0));
        Assert.Equal(0.01f, s.GetLearningRate(1000));
    }

    [Fact]
    public void StepDecaysEveryStepSizeEpochs()
    {
        var s = new StepSchedule(0.1f, 3, 0.5f);
        float[] expected = [0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f];
        for (int e = 0; e < expected.Length; e++) Assert.Equal(expected[e], s.GetLearningRate(e), 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.GetLearningRate(-1));
    }

    [Fact]
    public void CosineFallsFromInitialToMinimum()
    {
        var s = new CosineSchedule(1f, 10, 0.1f);
        Assert.Equal(1f, s.GetLearningRate(0), 6);
        Assert.Equal(0.55f, s.GetLearningRate(5), 6);
        Assert.Equal(0.1f + 0.9f * (1f + MathF.Cos(MathF.PI * 0.3f)) / 2f, s.GetLearningRate(3), 5);
        Assert.Equal(0.1f, s.GetLearningRate(10), 6);
        Assert.Equal(0.1f, s.GetLearningRate(50), 6);
        for (int e = 1; e <= 12; e++) Assert.True(s.GetLearningRate(e) <= s.GetLearningRate(e - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 10, 0.2f));
    }

    [Fact]
    public void ApplySetsTheOptimizersRate()
    {
        var sgd = new Sgd(1f);
        float rate = new StepSchedule(0.2f, 2, 0.1f).Apply(sgd, 2);
        Assert.Equal(0.02f, rate, 7);
        Assert.Equal(rate, sgd.LearningRate);
    }
}
