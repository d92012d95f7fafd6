using CnnGen.Data;
using CnnGen.IntegrationTests.Networks;
using CnnGen.Serialization;

namespace CnnGen.IntegrationTests;

/// <summary>
/// The real external check: the book's own trained SimpleConvNet weights (Deep Learning from Scratch, ch07,
/// 2016), loaded into the generated SimpleConvNet, must classify exactly 9,890 of the 10,000 MNIST test images,
/// as the book's numpy code does, with logits matching the stored float32 reference. Runs when the mnist-book
/// folder is present (<c>CNNGEN_MNIST_BOOK</c>), reports itself skipped elsewhere.
/// </summary>
public class BookWeightsTests
{
    private static (SimpleConvNet Net, MnistDataset Test, string Root) Load()
    {
        string? root = TestPaths.MnistBook;
        Skip.If(root is null, "mnist-book folder not found: set CNNGEN_MNIST_BOOK to run this test.");
        var net = new SimpleConvNet();
        BookWeights.Load(net, Path.Combine(root!, "weights", "simpleconvnet_2016"));
        MnistDataset test = MnistDataset.LoadTest(Path.Combine(root!, "mnist"));
        return (net, test, root!);
    }

    [SkippableFact]
    public void Book_weights_classify_exactly_9890_of_10000_with_matching_logits()
    {
        var (net, test, root) = Load();
        net.IsTraining = false;
        byte[] raw = File.ReadAllBytes(Path.Combine(root, "expected", "simpleconvnet_2016_t10k_logits.f32"));
        float[] expected = new float[raw.Length / 4];
        Buffer.BlockCopy(raw, 0, expected, 0, raw.Length);
        Assert.Equal(10_000 * 10, expected.Length);

        int correct = 0;
        double maxDifference = 0;
        const int batch = 500;
        for (int start = 0; start < test.Count; start += batch)
        {
            ReadOnlySpan<float> logits = net.Forward(test.Images.AsSpan(start * 784, batch * 784));
            for (int i = 0; i < batch; i++)
            {
                ReadOnlySpan<float> row = logits.Slice(i * 10, 10);
                if (Kernels.ArgMax.Of(row) == test.Labels[start + i]) correct++;
                for (int k = 0; k < 10; k++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(row[k] - expected[(start + i) * 10 + k]));
                }
            }
        }

        Assert.Equal(9890, correct);
        // The oracle's README: float32 arithmetic differs from its float64 reference by at most 3.6e-5; 1e-3 is ample.
        Assert.True(maxDifference < 1e-3, $"largest logit difference {maxDifference}");
        Assert.Equal(0.9890, net.Accuracy(test.Images, test.Labels), 4);
    }

    [SkippableFact]
    public void Compact_bfloat16_weights_still_classify_at_least_9885()
    {
        var (net, test, _) = Load();
        net.IsTraining = false;
        net.UseCompactWeights();
        Assert.True(net.UsesCompactWeights);
        // Batches of one: the compact weights serve batches below CompactDense.MaxBatch (larger ones use float32).
        int correct = (int)Math.Round(net.Accuracy(test.Images, test.Labels, batchSize: 1) * test.Count);
        Assert.True(correct >= 9885, $"{correct} of 10,000 with bfloat16 affine weights");
        Assert.True(net.CreateInferenceInstance().UsesCompactWeights);

        net.UseCompactWeights(false);
        Assert.Equal(9890, (int)Math.Round(net.Accuracy(test.Images, test.Labels) * test.Count));
    }

    [SkippableFact]
    public void Book_weights_first_image_per_layer_outputs_match()
    {
        var (net, test, root) = Load();
        net.IsTraining = false;
        net.Forward(test.Images.AsSpan(0, 784));
        string[] files = { "conv1", "relu1", "pool1", "affine1", "relu2", "affine2" };
        for (int layer = 1; layer <= 6; layer++)
        {
            byte[] raw = File.ReadAllBytes(Path.Combine(root, "expected", $"simpleconvnet_2016_t10k_image0_{files[layer - 1]}.f32"));
            float[] expected = new float[raw.Length / 4];
            Buffer.BlockCopy(raw, 0, expected, 0, raw.Length);
            ReadOnlySpan<float> actual = net.GetActivation(layer);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-3, $"layer {layer} ({files[layer - 1]}) value {i}: {actual[i]} vs {expected[i]}");
            }
        }
    }

    [SkippableFact]
    public void Inference_instances_predict_concurrently_like_a_single_thread()
    {
        var (net, test, _) = Load();
        const int count = 2000;
        int[] reference = new int[count];
        float[] probabilities = new float[10];
        for (int i = 0; i < count; i++) reference[i] = net.Predict(test.Images.AsSpan(i * 784, 784), probabilities);

        int[] concurrent = new int[count];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            SimpleConvNet instance = net.CreateInferenceInstance();
            Assert.Same(net.W2.Values, instance.W2.Values); // shared weights, own buffers
            var p = new float[10];
            for (int i = worker; i < count; i += 8) concurrent[i] = instance.Predict(test.Images.AsSpan(i * 784, 784), p);
        });

        Assert.Equal(reference, concurrent);
        Prediction first = net.Predict(test.Images.AsSpan(0, 784));
        Assert.Equal(7, first.Class);
        Assert.Equal(1f, first.Probabilities.Sum(), 4);
    }
}
