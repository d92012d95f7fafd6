using System.Diagnostics;
using CnnGen.Data;
using CnnGen.IntegrationTests.Networks;
using CnnGen.Training;
using Xunit.Abstractions;

namespace CnnGen.IntegrationTests;

/// <summary>
/// SimpleConvNet learns: one epoch over the first 2,000 Fashion-MNIST training images (Debian's
/// dataset-fashion-mnist, installed by .ci/run) must classify the first 1,000 test images far above chance (10%).
/// Deterministic: fixed initialisation seed and shuffling seed.
/// </summary>
public class FashionSubsetTrainingTests
{
    private readonly ITestOutputHelper _output;

    public FashionSubsetTrainingTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public void SimpleConvNet_reaches_70_percent_after_one_epoch_on_2000_images()
    {
        string? directory = TestPaths.FashionMnist;
        Skip.If(directory is null, "Fashion-MNIST not found: apt-get install dataset-fashion-mnist, or set CNNGEN_FASHION_MNIST.");
        MnistDataset train = MnistDataset.LoadTrain(directory!).Subset(2000);
        MnistDataset test = MnistDataset.LoadTest(directory!).Subset(1000);

        var net = new SimpleConvNet(seed: 42);
        var optimizer = new Adam(0.001f);
        var batches = new MiniBatchIterator(train.Images, train.Labels, SimpleConvNet.InputSize, batchSize: 20, seed: 7);
        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        int steps = 0;
        while (batches.MoveNext())
        {
            lossSum += net.TrainStep(batches.Inputs, batches.Labels, optimizer);
            steps++;
        }

        double accuracy = net.Accuracy(test.Images, test.Labels);
        _output.WriteLine($"{steps} steps, mean loss {lossSum / steps:F4}, test accuracy {accuracy:P2}, {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(100, steps);
        Assert.True(accuracy >= 0.70, $"test accuracy {accuracy:P2} after one epoch on 2,000 images");
    }
}
