using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The 2x2 stride-2 pooling path against a naive loop, including ties (the first maximum in row order wins)
/// and odd sizes (the last row and column are dropped).</summary>
public class PoolingFastPathTests
{
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
        var arg = new int[y.Length];
        var avg = new float[y.Length];
        Pooling.MaxForward(g, batch, x, y, arg);
        Pooling.AvgForward(g, batch, x, avg);
        int o = 0;
        for (int pl = 0; pl < batch * c; pl++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    float best = float.NegativeInfinity, sum = 0;
                    int bestIndex = -1;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int i = pl * h * w + (2 * oy + dy) * w + 2 * ox + dx;
                            sum += x[i];
                            if (x[i] > best || bestIndex < 0) { best = x[i]; bestIndex = i; }
                        }

                    Assert.Equal(best, y[o]);
                    Assert.Equal(bestIndex, arg[o]);
                    Assert.Equal(sum / 4, avg[o], 6);
                }
    }
}
