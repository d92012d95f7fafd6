using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The 2x2 stride-2 pooling path against a naive loop, including ties (the first maximum in row order wins)
/// and odd sizes (the last row and column are dropped); the AVX-512 average against the scalar one, bit for bit.</summary>
[Collection("KernelDispatch")]
public class PoolingFastPathTests
{
    [Theory]
    [InlineData(6, 28, 28, 3)]    // LeNet-5's first pool: 14 outputs a row (one masked vector)
    [InlineData(16, 10, 10, 2)]   // its second: 5 a row
    [InlineData(3, 64, 64, 1)]    // 32 a row: two full vectors
    [InlineData(2, 66, 35, 2)]    // 17 a row from an odd width: a full vector and one output
    [InlineData(1, 7, 9, 3)]      // odd height and width: the last row and column dropped
    [InlineData(5, 35, 67, 1)]    // 33 a row
    public void TwoByTwoAverageOnAvx512IsBitIdenticalToTheScalarLoop(int c, int h, int w, int batch)
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        var g = new ConvGeometry(c, h, w, c, 2, 2, 0);
        float[] x = Reference.Random(batch * g.InputSize, 7);
        // Guard values past the output: the masked stores must not reach them.
        float[] vector = new float[batch * g.OutputSize + 16], scalar = new float[batch * g.OutputSize];
        vector.AsSpan().Fill(float.NaN);
        try
        {
            KernelDispatch.Level = SimdLevel.Avx2;
            Pooling.AvgForward(g, batch, x, scalar);
            KernelDispatch.Level = SimdLevel.Avx512;
            Pooling.AvgForward(g, batch, x, vector.AsSpan(0, scalar.Length));
        }
        finally
        {
            KernelDispatch.Reset();
        }

        Assert.Equal(scalar, vector[..scalar.Length]);
        Assert.All(vector[scalar.Length..], v => Assert.True(float.IsNaN(v)));
        int o = 0;
        for (int pl = 0; pl < batch * c; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    int i = pl * h * w + 2 * oy * w + 2 * ox;
                    double expected = ((double)x[i] + x[i + 1] + x[i + w] + x[i + w + 1]) / 4;
                    Assert.True(Math.Abs(scalar[o] - expected) <= 1e-6, $"output {o}: {scalar[o]} against {expected}");
                }
    }

    [Theory]
    [InlineData(3, 24, 24, 2)]
    [InlineData(2, 7, 9, 3)]
    [InlineData(1, 2, 2, 1)]
    public void TwoByTwoStrideTwoMatchesNaiveLoop(int c, int h, int w, int batch)
    {
        var g = new ConvGeometry(c, h, w, c, 2, 2, 0);
        var random = new Random(5);
        var x = new float[batch * g.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(4); // small integers: many ties
        var y = new float[batch * g.OutputSize];
        var arg = new byte[y.Length];
        var avg = new float[y.Length];
        Pooling.MaxForward(g, batch, x, y, arg);
        Pooling.AvgForward(g, batch, x, avg);
        int o = 0;
        for (int pl = 0; pl < batch * c; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    float best = float.NegativeInfinity, sum = 0;
                    int bestCode = -1;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int i = pl * h * w + (2 * oy + dy) * w + 2 * ox + dx;
                            sum += x[i];
                            if (x[i] > best || bestCode < 0) { best = x[i]; bestCode = dy * 2 + dx; }
                        }

                    Assert.Equal(best, y[o]);
                    Assert.Equal(bestCode, arg[o]);
                    Assert.Equal(sum / 4, avg[o], 6);
                }
    }
}
