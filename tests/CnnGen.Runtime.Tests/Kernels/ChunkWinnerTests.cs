using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Max pooling over one chunk of a batch (samples [first, first + count)): outputs and winner codes equal the whole
/// batch's for those samples on every path (2x2 vector and scalar, general windows, with and without the ReLU, the fused
/// convolution on one thread and in ranges), because a code names a place in its window, not in the batch.</summary>
[Collection("KernelDispatch")]
public sealed class ChunkWinnerTests
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
            byte[] winners = new byte[batch * g.OutputSize];
            if (relu) Pooling.MaxReluForward(in g, batch, x, y, winners);
            else Pooling.MaxForward(in g, batch, x, y, winners);

            float[] chunkY = new float[count * g.OutputSize];
            byte[] chunkWinners = new byte[count * g.OutputSize];
            ReadOnlySpan<float> chunkX = x.AsSpan(first * g.InputSize, count * g.InputSize);
            if (relu) Pooling.MaxReluForward(in g, count, chunkX, chunkY, chunkWinners);
            else Pooling.MaxForward(in g, count, chunkX, chunkY, chunkWinners);

            Assert.Equal(y.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkY);
            Assert.Equal(winners.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkWinners);
            Assert.All(chunkWinners, c => Assert.True(c < size * size || c == Pooling.NoWinner, $"code {c}"));
        }
    }

    [Fact]
    public void A_chunk_pooled_in_ranges_of_planes_on_two_threads_records_the_whole_batchs_codes()
    {
        var g = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        const int batch = 100, first = 40, count = 60;
        float[] x = Reference.Random(batch * g.InputSize, 9);
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 2;
            float[] y = new float[batch * g.OutputSize];
            byte[] winners = new byte[batch * g.OutputSize];
            Pooling.MaxForward(in g, batch, x, y, winners);
            byte[] chunkWinners = new byte[count * g.OutputSize];
            Pooling.MaxForward(in g, count, x.AsSpan(first * g.InputSize, count * g.InputSize), new float[count * g.OutputSize], chunkWinners);
            Assert.Equal(winners.AsSpan(first * g.OutputSize, count * g.OutputSize).ToArray(), chunkWinners);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(1, 6)]     // one thread
    [InlineData(2, 100)]   // in ranges of images on two threads
    public void A_chunk_of_the_fused_convolution_records_the_whole_batchs_codes(int degree, int batch)
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
            byte[] winners = new byte[batch * pool.OutputSize];
            Conv2D.ForwardReluMaxPool(in conv, in pool, batch, x, w, b, y, winners, workspace);

            float[] chunkY = new float[count * pool.OutputSize];
            byte[] chunkWinners = new byte[count * pool.OutputSize];
            Conv2D.ForwardReluMaxPool(in conv, in pool, count, x.AsSpan(first * conv.InputSize, count * conv.InputSize), w, b, chunkY, chunkWinners,
                workspace);

            Assert.Equal(y.AsSpan(first * pool.OutputSize, count * pool.OutputSize).ToArray(), chunkY);
            Assert.Equal(winners.AsSpan(first * pool.OutputSize, count * pool.OutputSize).ToArray(), chunkWinners);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void A_window_whose_codes_do_not_fit_a_byte_is_rejected()
    {
        var g = new ConvGeometry(1, 16, 16, 1, 16, 16, 0);
        var conv = new ConvGeometry(1, 17, 17, 1, 2, 1, 0);
        var ex = Assert.Throws<ArgumentException>(() => Pooling.MaxForward(in g, 1, new float[256], new float[1], new byte[1]));
        Assert.Contains("15x15", ex.Message);
        Assert.Throws<ArgumentException>(() => Pooling.MaxReluForward(in g, 1, new float[256], new float[1], new byte[1]));
        Assert.Throws<ArgumentException>(() => Pooling.MaxBackward(in g, 1, new float[1], new byte[1], new float[256]));
        Assert.Throws<ArgumentException>(() => Conv2D.ForwardReluMaxPool(in conv, in g, 1, new float[289], new float[4], default, new float[1], new byte[1],
            new float[Conv2D.WorkspaceSize(conv)]));
        // Without codes (inference), the window may be as large as the input.
        Pooling.MaxReluForward(in g, 1, new float[256], new float[1]);
    }
}
