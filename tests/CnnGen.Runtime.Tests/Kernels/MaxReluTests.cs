using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary><see cref="Pooling.MaxReluForward"/> (an inference pass's ReLU folded into the max pool that follows it) against
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
        Pooling.MaxForward(g, 5, relu, pooled, new int[pooled.Length]);
        var folded = new float[pooled.Length];
        Pooling.MaxReluForward(g, 5, x, folded);
        Assert.Equal(pooled, folded);
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
}
