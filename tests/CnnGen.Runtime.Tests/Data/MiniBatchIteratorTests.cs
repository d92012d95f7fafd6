using CnnGen.Data;

namespace CnnGen.Runtime.Tests.Data;

public class MiniBatchIteratorTests
{
    private static (float[] Samples, int[] Labels) Make(int n, int sampleSize)
    {
        var samples = new float[n * sampleSize];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i;
            for (int k = 0; k < sampleSize; k++) samples[i * sampleSize + k] = i * 1000 + k;
        }

        return (samples, labels);
    }

    private static List<int> OneEpoch(MiniBatchIterator it, List<int>? batchSizes = null)
    {
        var seen = new List<int>();
        while (it.MoveNext())
        {
            batchSizes?.Add(it.Count);
            for (int i = 0; i < it.Count; i++)
            {
                int label = it.Labels[i];
                Assert.Equal(label, it.Indices[i]);
                for (int k = 0; k < it.SampleSize; k++) Assert.Equal(label * 1000 + k, it.Inputs[i * it.SampleSize + k]);
                seen.Add(label);
            }
        }

        return seen;
    }

    [Fact]
    public void EveryEpoch_CoversEverySampleExactlyOnce_KeepingTheLastPartialBatch()
    {
        var (s, l) = Make(103, 3);
        var it = new MiniBatchIterator(s, l, 3, batchSize: 10, seed: 7);
        Assert.Equal(11, it.BatchesPerEpoch);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var sizes = new List<int>();
            List<int> seen = OneEpoch(it, sizes);
            Assert.Equal(epoch, it.Epoch);
            Assert.Equal(Enumerable.Range(0, 103), seen.OrderBy(x => x));
            Assert.Equal(Enumerable.Repeat(10, 10).Append(3), sizes);
        }
    }

    [Fact]
    public void DropLast_SkipsThePartialBatch()
    {
        var (s, l) = Make(103, 2);
        var it = new MiniBatchIterator(s, l, 2, batchSize: 10, seed: 7, dropLast: true);
        Assert.Equal(10, it.BatchesPerEpoch);
        var sizes = new List<int>();
        List<int> seen = OneEpoch(it, sizes);
        Assert.Equal(100, seen.Count);
        Assert.Equal(100, seen.Distinct().Count());
        Assert.All(sizes, n => Assert.Equal(10, n));
    }

    [Fact]
    public void SameSeed_SameOrder_DifferentEpochs_DifferentOrder()
    {
        var (s, l) = Make(64, 1);
        var a = new MiniBatchIterator(s, l, 1, 8, seed: 123);
        var b = new MiniBatchIterator(s, l, 1, 8, seed: 123);
        var c = new MiniBatchIterator(s, l, 1, 8, seed: 124);
        List<int> a0 = OneEpoch(a), a1 = OneEpoch(a);
        List<int> b0 = OneEpoch(b), b1 = OneEpoch(b);
        List<int> c0 = OneEpoch(c);
        Assert.Equal(a0, b0);
        Assert.Equal(a1, b1);
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(a0, c0);
        Assert.NotEqual(Enumerable.Range(0, 64), a0);
    }

    [Fact]
    public void NoShuffle_KeepsStoredOrder()
    {
        var (s, l) = Make(25, 2);
        var it = new MiniBatchIterator(s, l, 2, 10, seed: 1, shuffle: false);
        Assert.Equal(Enumerable.Range(0, 25), OneEpoch(it));
        Assert.Equal(Enumerable.Range(0, 25), OneEpoch(it));
    }

    [Fact]
    public void Batches_AllocateNothingAfterConstruction()
    {
        var (s, l) = Make(1000, 784 / 8);
        var it = new MiniBatchIterator(s, l, 784 / 8, batchSize: 32, seed: 5);
        float sink = 0;
        // Warm up (JIT) with one epoch.
        while (it.MoveNext()) sink += it.Inputs[0] + it.Labels[0];

        long allocated = AllocationProbe.Least(() =>
        {
            for (int epoch = 0; epoch < 5; epoch++)
            {
                while (it.MoveNext()) sink += it.Inputs[0] + it.Labels[0];
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(sink > 0);
    }

    [Fact]
    public void FromDataset_UsesItsImagesAndLabels()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteFolder(dir.Path, train: 5, test: 1, gzip: false);
        MnistDataset train = MnistDataset.LoadTrain(dir.Path);
        var it = new MiniBatchIterator(train, batchSize: 5, seed: 0);
        Assert.True(it.MoveNext());
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(train.GetImage(it.Indices[i]).ToArray(), it.Inputs.Slice(i * 12, 12).ToArray());
            Assert.Equal(train.Labels[it.Indices[i]], it.Labels[i]);
        }

        Assert.False(it.MoveNext());
    }

    [Fact]
    public void BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => new MiniBatchIterator(new float[10], new int[3], 3, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchIterator(new float[9], new int[3], 3, 0, 0));
    }
}
