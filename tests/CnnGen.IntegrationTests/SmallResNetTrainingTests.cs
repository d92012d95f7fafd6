using System.Diagnostics;
using CnnGen.Data;
using CnnGen.IntegrationTests.Networks;
using CnnGen.Training;
using Xunit.Abstractions;

namespace CnnGen.IntegrationTests
{
    /// <summary>The small ResNet (FashionResNet: three residual blocks with batch normalisation) learns Fashion-MNIST.</summary>
    public class SmallResNetTrainingTests
    {
        private const int TrainCount = 1500;
        private const int TestCount = 1000;
        private readonly ITestOutputHelper _output;

        public SmallResNetTrainingTests(ITestOutputHelper output) => _output = output;

        [SkippableFact]
        public void Small_resnet_learns_fashion_mnist_subset()
        {
            string? folder = TestPaths.FashionMnist;
            Skip.If(folder is null, "Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set CNNGEN_FASHION_MNIST).");
            MnistDataset train = MnistDataset.LoadTrain(folder!).Subset(TrainCount);
            MnistDataset testData = MnistDataset.LoadTest(folder!).Subset(TestCount);
            float[] xTrain = train.Images, xTest = testData.Images;
            int[] yTrain = train.Labels, yTest = testData.Labels;

            var net = new FashionResNet(7);
            var optimizer = new Adam(0.003f);
            var watch = Stopwatch.StartNew();
            TrainingResult epoch = Trainer.TrainEpoch(net, optimizer, xTrain, yTrain, batchSize: 20, seed: 1);
            double trainSeconds = watch.Elapsed.TotalSeconds;
            TrainingResult test = Trainer.Evaluate(net, xTest, yTest, batchSize: 100);
            watch.Stop();
            _output.WriteLine($"1 epoch on {TrainCount} images: train loss {epoch.MeanLoss:F3}, train accuracy {epoch.Accuracy:P1}, {trainSeconds:F1} s");
            _output.WriteLine($"test accuracy on {TestCount} images: {test.Accuracy:P1} (loss {test.MeanLoss:F3}); total {watch.Elapsed.TotalSeconds:F1} s");
            Assert.True(test.Accuracy >= 0.60, $"test accuracy {test.Accuracy:P1} is below 60% (chance is 10%).");
        }
    }
}
