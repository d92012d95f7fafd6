using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>2x2 stride-2 max and average pooling, forward and backward, against a naive loop at every SIMD level: widths
/// whose output rows are not a multiple of eight (the last group overlaps), rows under eight windows, odd sizes (the general
/// backward path), many ties.</summary>
[Collection("KernelDispatch")]
public sealed class PoolingBackwardFastPathTests
{
    [Theory]
    [InlineData(30, 24, 24, 1)]
    [InlineData(3, 24, 24, 3)]
    [InlineData(2, 18, 26, 1)]
    [InlineData(1, 16, 16, 2)]
    [InlineData(2, 7, 19, 3)]
    [InlineData(1, 10, 10, 1)]
    public void MatchesNaiveLoop(int c, int h, int w, int batch)
    {
        var g = new ConvGeometry(c, h, w, c, 2, 2, 0);
        var random = new Random(11);
        var x = new float[batch * g.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(3);
        float[] dy = Reference.Random(batch * g.OutputSize, 12);
        var expectedY = new float[dy.Length];
        var expectedArg = new byte[dy.Length];
        var expectedDx = new float[x.Length];
        int o = 0;
        for (int pl = 0; pl < batch * c; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    float best = float.NegativeInfinity;
                    int bestIndex = -1, bestCode = -1;
                    for (int ky = 0; ky < 2; ky++)
                        for (int kx = 0; kx < 2; kx++)
                        {
                            int i = pl * h * w + (2 * oy + ky) * w + 2 * ox + kx;
                            if (x[i] > best || bestIndex < 0) { best = x[i]; bestIndex = i; bestCode = ky * 2 + kx; }
                        }

                    expectedY[o] = best;
                    expectedArg[o] = (byte)bestCode;
                    expectedDx[bestIndex] += dy[o];
                }

        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var y = new float[dy.Length];
                var arg = new byte[dy.Length];
                var dx = new float[x.Length];
                dx.AsSpan().Fill(float.NaN);
                Pooling.MaxForward(g, batch, x, y, arg);
                Assert.Equal(expectedY, y);
                Assert.Equal(expectedArg, arg);
                Pooling.MaxBackward(g, batch, dy, arg, dx);
                Assert.Equal(expectedDx, dx);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(30, 24, 24, 1, 1)]
    [InlineData(6, 28, 28, 3, 2)]
    [InlineData(2, 18, 26, 1, 1)]
    [InlineData(16, 10, 10, 5, 2)]
    [InlineData(2, 7, 19, 3, 2)]
    [InlineData(1, 10, 10, 1, 1)]
    [InlineData(64, 32, 32, 2, 2)]
    public void AverageBackwardMatchesNaiveLoop(int c, int h, int w, int batch, int degree)
    {
        var g = new ConvGeometry(c, h, w, c, 2, 2, 0);
        float[] dy = Reference.Random(batch * g.OutputSize, 13);
        var expected = new float[batch * g.InputSize];
        int o = 0;
        for (int pl = 0; pl < batch * c; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                    for (int ky = 0; ky < 2; ky++)
                        for (int kx = 0; kx < 2; kx++)
                            expected[pl * h * w + (2 * oy + ky) * w + 2 * ox + kx] += dy[o] / 4;

        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var dx = new float[expected.Length];
                dx.AsSpan().Fill(float.NaN);
                Pooling.AvgBackward(g, batch, dy, dx);
                Assert.Equal(expected, dx);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }
}
