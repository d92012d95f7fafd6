using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Max pooling over one chunk of a batch (samples [first, first + count)): outputs and arg-max indices equal the
/// whole batch's for those samples, the indices counting from the whole batch's start, on every path (2x2 vector and scalar,
/// general windows, with and without the ReLU, the fused convolution on one thread and in ranges).</summary>
[Collection("KernelDispatch")]
public sealed class ChunkArgMaxTests
{
    public static TheoryData<int, int, int, int, int, int> PoolShapes => new()
    {
        // channels, height, width, size, stride, pad
        { 3, 16, 16, 2, 2, 0 },   // 2x2, eight windows at a time
        { 2, 8, 6, 2, 2, 0 },     // 2x2, scalar
        { 2, 9, 7, 3, 2, 1 },     // general windows with padding
        { 1, 5, 5, 2, 1, 0 },     // overlapping windows
    };

    [Theory]
    [MemberData(nameof(PoolShapes))]
    public void A_chunk_pools_as_the_whole_batch_does(int channels, int height, int width, int size, int stride, int pad)
    {
        var g = new ConvGeometry(channels, height, width, channels, size, stride, pad);
        const int batch = 7, first = 3, count = 3;
        float[] x = Reference.Random(batch * g.InputSize, 5);
        foreach (bool relu in new[] { false, true })
        {
            float[] y = new float[batch * g.OutputSize];
            int[] argMax = new int[batch * g.OutputSize];
            if (relu) Pooling.MaxReluForward(in g, batch, x, y, argMax);
            else Pooling.MaxForward(in g, batch, x, y, argMax);

            float[] chunkY = new float[count * g.OutputSize];
            int[] chunkArgMax = new int[count * g.OutputSize];
            ReadOnlySpan<float> chunkX = x.AsSpan(first * g.InputSize, count * g.InputSize);
            if (relu) Pooling.MaxReluForward(in g, count, chunkX, chunkY, chunkArgMax, first);
            else Pooling.MaxForward(in g, count, chunkX, chunkY, chunkArgMax, first);

            Assert.Equal(y.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkY);
            Assert.Equal(argMax.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkArgMax);
            Assert.All(chunkArgMax, i => Assert.InRange(i, first * g.InputSize, (first + count) * g.InputSize - 1));
        }
    }

    [Fact]
    public void A_chunk_pooled_in_ranges_of_planes_on_two_threads_counts_from_the_whole_batch()
    {
        var g = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        const int batch = 100, first = 40, count = 60;
        float[] x = Reference.Random(batch * g.InputSize, 9);
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 2;
            float[] y = new float[batch * g.OutputSize];
            int[] argMax = new int[batch * g.OutputSize];
            Pooling.MaxForward(in g, batch, x, y, argMax);
            int[] chunkArgMax = new int[count * g.OutputSize];
            Pooling.MaxForward(in g, count, x.AsSpan(first * g.InputSize, count * g.InputSize), new float[count * g.OutputSize], chunkArgMax, first);
            Assert.Equal(argMax.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkArgMax);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(1, 6)]     // one thread
    [InlineData(2, 100)]   // in ranges of images on two threads
    public void A_chunk_of_the_fused_convolution_records_the_whole_batchs_arg_max(int degree, int batch)
    {
        var conv = new ConvGeometry(1, 28, 28, 30, 5, 1, 0);
        var pool = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        float[] x = Reference.Random(batch * conv.InputSize, 6), w = Reference.Random(conv.WeightSize, 7), b = Reference.Random(30, 8);
        float[] workspace = new float[Conv2D.WorkspaceSize(conv)];
        int first = batch / 3, count = batch - first;
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            float[] y = new float[batch * pool.OutputSize];
            int[] argMax = new int[batch * pool.OutputSize];
            Conv2D.ForwardReluMaxPool(in conv, in pool, batch, x, w, b, y, argMax, workspace);

            float[] chunkY = new float[count * pool.OutputSize];
            int[] chunkArgMax = new int[count * pool.OutputSize];
            Conv2D.ForwardReluMaxPool(in conv, in pool, count, x.AsSpan(first * conv.InputSize, count * conv.InputSize), w, b, chunkY, chunkArgMax,
                workspace, first);

            Assert.Equal(y.AsSpan(first * pool.OutputSize, count * pool.OutputSize).ToArray(), chunkY);
            Assert.Equal(argMax.AsSpan(first * pool.OutputSize, count * pool.OutputSize).ToArray(), chunkArgMax);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void A_negative_first_sample_is_rejected()
    {
        var g = new ConvGeometry(1, 4, 4, 1, 2, 2, 0);
        var conv = new ConvGeometry(1, 5, 5, 1, 2, 1, 0);
        Assert.Throws<ArgumentException>(() => Pooling.MaxForward(in g, 1, new float[16], new float[4], new int[4], -1));
        Assert.Throws<ArgumentException>(() => Pooling.MaxReluForward(in g, 1, new float[16], new float[4], new int[4], -1));
        Assert.Throws<ArgumentException>(() => Conv2D.ForwardReluMaxPool(in conv, in g, 1, new float[25], new float[4], default, new float[4], new int[4],
            new float[Conv2D.WorkspaceSize(conv)], -1));
    }
}
