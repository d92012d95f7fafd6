using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Pooling.MaxReluForward (an inference pass's ReLU folded into the max pool that follows it) against
/// a plain ReLU-then-max-pool loop: 2x2 stride-2 windows (vector and scalar paths, odd sizes, one and two threads) and
/// general windows with stride and padding (including windows made only of padding).</summary>
[Collection("KernelDispatch")]
public sealed class MaxReluTests : IDisposable
{
    public void Dispose() => KernelDispatch.Reset();

    [Theory]
    [InlineData(3, 24, 24, 2, 2, 0, 2)]
    [InlineData(30, 24, 24, 2, 2, 0, 7)]    // large enough to be shared among threads
    [InlineData(2, 7, 9, 2, 2, 0, 3)]       // odd sizes: the last row and column are dropped
    [InlineData(1, 33, 17, 2, 2, 0, 1)]
    [InlineData(1, 2, 2, 2, 2, 0, 1)]
    [InlineData(3, 13, 11, 3, 2, 1, 2)]     // s=2 p=1
    [InlineData(2, 9, 9, 3, 1, 0, 3)]       // overlapping windows
    [InlineData(1, 5, 5, 2, 2, 2, 1)]       // pad = size: corner windows hold only padding
    public void MatchesReluThenMaxPool(int c, int h, int w, int size, int stride, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, c, size, stride, pad);
        float[] x = Reference.Random(batch * g.InputSize, c * 100 + h);
        for (int i = 0; i < x.Length; i += 7) x[i] = 0f;    // exact zeros and ties with the ReLU's floor
        float[] expected = Expected(g, batch, x);
        foreach (SimdLevel level in GemmTests.Levels())
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Level = level;
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var y = new float[batch * g.OutputSize];
                y.AsSpan().Fill(float.NaN);
                Pooling.MaxReluForward(g, batch, x, y);
                Assert.Equal(expected, y);
            }
        }
    }

    [Fact]
    public void EqualsTheTrainingPathsOutput()
    {
        var g = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        float[] x = Reference.Random(5 * g.InputSize, 3);
        var relu = new float[x.Length];
        var pooled = new float[5 * g.OutputSize];
        Activations.ReluForward(x, relu);
        Pooling.MaxForward(g, 5, relu, pooled, new byte[pooled.Length]);
        var folded = new float[pooled.Length];
        Pooling.MaxReluForward(g, 5, x, folded);
        Assert.Equal(pooled, folded);
    }

    [Fact]
    public void Training_form_with_winner_codes_equals_max_pool_then_relu()
    {
        // Seven images of 30 planes: shared among threads at degree two.
        var g = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        var general = new ConvGeometry(3, 13, 11, 3, 3, 2, 1);
        foreach (ConvGeometry geometry in new[] { g, general })
        {
            float[] x = Reference.Random(7 * geometry.InputSize, 4);
            var pooled = new float[7 * geometry.OutputSize];
            var arg = new byte[pooled.Length];
            Pooling.MaxForward(geometry, 7, x, pooled, arg);
            Activations.ReluForward(pooled, pooled);
            // Where the ReLU passes nothing (a maximum that is not positive), the window has no winner.
            for (int i = 0; i < arg.Length; i++) if (!(pooled[i] > 0)) arg[i] = Pooling.NoWinner;
            Assert.Contains(Pooling.NoWinner, arg);
            Assert.Contains((byte)0, arg);
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var y = new float[pooled.Length];
                var winners = new byte[pooled.Length];
                Pooling.MaxReluForward(geometry, 7, x, y, winners);
                Assert.Equal(pooled, y);
                Assert.Equal(arg, winners);
            }
        }
    }

    [Fact]
    public void RejectsWrongLengths()
    {
        var g = new ConvGeometry(2, 4, 4, 2, 2, 2, 0);
        Assert.Throws<ArgumentException>(() => Pooling.MaxReluForward(g, 1, new float[31], new float[8]));
        Assert.Throws<ArgumentException>(() => Pooling.MaxReluForward(g, 1, new float[32], new float[7]));
        Assert.Throws<ArgumentException>(() => Pooling.MaxReluForward(g, 0, new float[0], new float[0]));
    }

    private static float[] Expected(in ConvGeometry g, int batch, float[] x)
    {
        var y = new float[batch * g.OutputSize];
        int o = 0;
        for (int pl = 0; pl < batch * g.Channels; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    double best = 0; // max over the window of relu(x); an all-padding window gives 0
                    for (int dy = 0; dy < g.Kernel; dy++)
                        for (int dx = 0; dx < g.Kernel; dx++)
                        {
                            int iy = oy * g.Stride - g.Pad + dy, ix = ox * g.Stride - g.Pad + dx;
                            if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                            best = Math.Max(best, Math.Max(0, x[pl * g.Height * g.Width + iy * g.Width + ix]));
                        }

                    y[o] = (float)best;
                }

        return y;
    }

    [Theory]
    [InlineData(1, 28, 28, 30, 5, 1, 0, 2, 2, 0, 7)]   // SimpleConvNet: direct kernel, shared among threads
    [InlineData(1, 28, 28, 6, 5, 1, 2, 2, 2, 0, 3)]    // padded direct kernel
    [InlineData(3, 16, 16, 8, 3, 1, 1, 2, 2, 0, 5)]    // several channels
    [InlineData(4, 11, 9, 5, 3, 2, 1, 3, 2, 1, 2)]     // strided convolution (im2col), padded 3x3 pool
    [InlineData(2, 8, 8, 3, 1, 1, 0, 2, 2, 0, 1)]      // pointwise
    [InlineData(2, 34, 34, 7, 3, 1, 0, 2, 2, 0, 2)]    // pooled in registers: 32x32, no column tail, a shifted filter block
    [InlineData(1, 24, 24, 6, 5, 1, 0, 2, 2, 0, 1)]    // pooled in registers: 20x20, a four-column tail in row pairs
    [InlineData(1, 30, 30, 6, 5, 1, 0, 2, 2, 0, 1)]    // pooled in registers: 26x26, a ten-column tail (shifted block)
    [InlineData(1, 10, 28, 6, 5, 1, 0, 2, 2, 0, 2)]    // pooled in registers: 6x24, too few rows to pair the tail
    [InlineData(1, 27, 27, 6, 5, 1, 0, 2, 2, 0, 2)]    // 23x23: odd, so pooled after the convolution instead
    public void Convolution_relu_and_max_pool_in_one_pass_match_the_three_layers(int c, int h, int w, int filters, int size, int stride, int pad,
        int poolSize, int poolStride, int poolPad, int batch)
    {
        var g = new ConvGeometry(c, h, w, filters, size, stride, pad);
        var pool = new ConvGeometry(filters, g.OutHeight, g.OutWidth, filters, poolSize, poolStride, poolPad);
        float[] x = Reference.Random(batch * g.InputSize, 1), weights = Reference.Random(g.WeightSize, 2), bias = Reference.Random(filters, 3);
        foreach (SimdLevel level in GemmTests.Levels())
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Level = level;
                KernelDispatch.MaxDegreeOfParallelism = degree;
                float[] workspace = new float[Math.Max(1, Conv2D.WorkspaceSize(g))];
                float[] conv = new float[batch * g.OutputSize], relu = new float[conv.Length], expected = new float[batch * pool.OutputSize];
                Conv2D.Forward(g, batch, x, weights, bias, conv, workspace);
                Activations.ReluForward(conv, relu);
                Pooling.MaxForward(pool, batch, relu, expected, new byte[expected.Length]);
                foreach (bool withBias in new[] { true, false })
                {
                    if (!withBias)
                    {
                        Conv2D.Forward(g, batch, x, weights, ReadOnlySpan<float>.Empty, conv, workspace);
                        Activations.ReluForward(conv, relu);
                        Pooling.MaxForward(pool, batch, relu, expected, new byte[expected.Length]);
                    }

                    var y = new float[expected.Length];
                    y.AsSpan().Fill(float.NaN);
                    Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, withBias ? bias : ReadOnlySpan<float>.Empty, y, workspace);
                    Assert.Equal(expected, y);
                }
            }
        }
    }

    [Fact]
    public void SimpleConvNet_pools_in_registers()
    {
        var g = new ConvGeometry(1, 28, 28, 30, 5, 1, 0);
        Assert.Equal(KernelDispatch.Supported == SimdLevel.Avx512, ConvDirectWide.PoolsInRegisters(g, new ConvGeometry(30, 24, 24, 30, 2, 2, 0)));
        Assert.False(ConvDirectWide.PoolsInRegisters(g, new ConvGeometry(30, 24, 24, 30, 3, 2, 1)));
    }

    [Fact]
    public void Convolution_pool_pair_is_checked()
    {
        var g = new ConvGeometry(1, 8, 8, 2, 3, 1, 0);
        var wrongPool = new ConvGeometry(2, 5, 5, 2, 2, 2, 0);
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.ForwardReluMaxPool(g, wrongPool, 1, new float[64], new float[18], new float[2], new float[8], new float[Conv2D.WorkspaceSize(g)]));
        Assert.Contains("2x6x6", ex.Message);
    }

    [Theory]
    [InlineData(30, 24, 24, 2, 2, 0, 7)]   // 2x2 windows tiling the input, shared among threads
    [InlineData(3, 16, 16, 2, 2, 0, 2)]
    [InlineData(2, 7, 9, 2, 2, 0, 3)]      // odd sizes: the last row and column belong to no window
    [InlineData(3, 13, 11, 3, 2, 1, 2)]    // overlapping padded windows: gradients add up
    public void Backward_through_max_pool_and_relu_in_one_pass_matches_the_two_layers(int c, int h, int w, int size, int stride, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, c, size, stride, pad);
        float[] preActivation = Reference.Random(batch * g.InputSize, 11);
        for (int i = 0; i < preActivation.Length; i += 5) preActivation[i] = 0f;
        float[] relu = new float[preActivation.Length];
        Activations.ReluForward(preActivation, relu);
        float[] pooled = new float[batch * g.OutputSize];
        byte[] arg = new byte[pooled.Length], winners = new byte[pooled.Length];
        Pooling.MaxForward(g, batch, relu, pooled, arg);
        Pooling.MaxReluForward(g, batch, preActivation, new float[pooled.Length], winners);
        float[] dy = Reference.Random(pooled.Length, 12);
        foreach (SimdLevel level in GemmTests.Levels())
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Level = level;
                KernelDispatch.MaxDegreeOfParallelism = degree;
                float[] g2 = new float[relu.Length], expected = new float[relu.Length], actual = new float[relu.Length];
                Pooling.MaxBackward(g, batch, dy, arg, g2);
                Activations.ReluBackward(relu, g2, expected);
                actual.AsSpan().Fill(float.NaN);
                Pooling.MaxBackward(g, batch, dy, winners, actual);
                Assert.Equal(expected, actual);
            }
        }
    }
}
