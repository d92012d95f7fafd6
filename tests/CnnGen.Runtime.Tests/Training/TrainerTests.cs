using CnnGen.Kernels;
using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

public class TrainerTests
{
    private const int Inputs = 4, Classes = 3;

    /// <summary>Three Gaussian clusters, linearly separable.</summary>
    private static (float[] X, int[] Y) Clusters(int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        var x = new float[count * Inputs];
        var y = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % Classes;
            y[n] = label;
            for (int j = 0; j < Inputs; j++)
            {
                float centre = j == label ? 3f : (j == Inputs - 1 ? -1f : 0f);
                x[n * Inputs + j] = centre + 0.5f * (float)random.NextGaussian();
            }
        }

        return (x, y);
    }

    private sealed class ListProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];
        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void TrainingReachesHighAccuracy()
    {
        var (x, y) = Clusters(300, 1);
        var (testX, testY) = Clusters(150, 2);
        var net = new FakeLinearNetwork(Inputs, Classes);
        Initializer.Initialize(net, 1);
        var optimizer = new Momentum(0.05f);
        var schedule = new CosineSchedule(0.05f, 10, 0.005f);

        TrainingResult before = Trainer.Evaluate(net, testX, testY, 64);
        TrainingResult first = default, last = default;
        for (int epoch = 0; epoch < 10; epoch++)
        {
            schedule.Apply(optimizer, epoch);
            last = Trainer.TrainEpoch(net, optimizer, x, y, 32, seed: epoch);
            if (epoch == 0) first = last;
        }

        TrainingResult after = Trainer.Evaluate(net, testX, testY, 64);
        Assert.True(last.MeanLoss < first.MeanLoss, $"{first} -> {last}");
        Assert.True(after.MeanLoss < before.MeanLoss);
        Assert.True(after.Accuracy > 0.95, after.ToString());
        Assert.Equal(150, after.Samples);
    }

    [Fact]
    public void TrainEpochReportsEachBatchAndRestoresMode()
    {
        var (x, y) = Clusters(70, 3);
        var net = new FakeLinearNetwork(Inputs, Classes) { IsTraining = false };
        Initializer.Initialize(net, 1);
        var progress = new ListProgress();

        TrainingResult result = Trainer.TrainEpoch(net, new Sgd(0.1f), x, y, 32, 5, progress);

        Assert.False(net.IsTraining);
        Assert.Equal(3, progress.Reports.Count); // 32 + 32 + 6
        Assert.Equal(2, progress.Reports[^1].Batch);
        Assert.Equal(result.MeanLoss, progress.Reports[^1].MeanLoss, 12);
        Assert.Equal(70, result.Samples);
    }

    [Fact]
    public void TrainEpochIsDeterministicForASeed()
    {
        var (x, y) = Clusters(64, 4);
        float[] Train(int seed)
        {
            var net = new FakeLinearNetwork(Inputs, Classes);
            Initializer.Initialize(net, 1);
            Trainer.TrainEpoch(net, new Adam(0.01f), x, y, 8, seed);
            return net.Parameters[0].Values;
        }

        Assert.Equal(Train(1), Train(1));
        Assert.NotEqual(Train(1), Train(2));
    }

    [Fact]
    public void EvaluateRestoresModeAndHandlesAPartialBatch()
    {
        var (x, y) = Clusters(10, 5);
        var net = new FakeLinearNetwork(Inputs, Classes);
        Initializer.Initialize(net, 2);
        TrainingResult whole = Trainer.Evaluate(net, x, y, 10);
        TrainingResult parts = Trainer.Evaluate(net, x, y, 3);
        Assert.True(net.IsTraining);
        Assert.Equal(whole.MeanLoss, parts.MeanLoss, 5);
        Assert.Equal(whole.Accuracy, parts.Accuracy);
        Assert.Throws<ArgumentException>(() => Trainer.Evaluate(net, x.AsSpan(1).ToArray(), y, 3));
    }

    [Fact]
    public void TrainStepReturnsTheLossAndUpdates()
    {
        var (x, y) = Clusters(8, 6);
        var net = new FakeLinearNetwork(Inputs, Classes);
        Initializer.Initialize(net, 2);
        float expected = net.Loss(x, y);
        float[] w = (float[])net.Parameters[0].Values.Clone();

        float loss = net.TrainStep(x, y, new Sgd(0.5f));

        Assert.Equal(expected, loss);
        Assert.NotEqual(w, net.Parameters[0].Values);
        Assert.True(net.Loss(x, y) < loss);
    }

    [Fact]
    public void CountCorrectUsesTheArgMax()
    {
        float[] scores = [0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f];
        Assert.Equal(2, NetworkTrainingExtensions.CountCorrect(scores, [1, 0]));
        Assert.Equal(0, NetworkTrainingExtensions.CountCorrect(scores, [2, 1]));
    }
}
