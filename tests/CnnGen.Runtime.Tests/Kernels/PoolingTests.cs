using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

public sealed class PoolingTests
{
    private static IEnumerable<(int Y0, int Y1, int X0, int X1)> Windows(ConvGeometry g, int oy, int ox)
    {
        int y0 = oy * g.Stride - g.Pad, x0 = ox * g.Stride - g.Pad;
        yield return (Math.Max(0, y0), Math.Min(g.Height, y0 + g.Kernel), Math.Max(0, x0), Math.Min(g.Width, x0 + g.Kernel));
    }

    [Fact]
    public void MaxAndAvgMatchReference()
    {
        int index = 0;
        foreach (ConvGeometry g in Reference.ConvShapes(pooling: true))
        {
            int batch = index++ % 2 == 0 ? 1 : 3;
            float[] x = Reference.Random(batch * g.InputSize, index);
            float[] dy = Reference.Random(batch * g.OutputSize, index + 1);
            var maxY = new double[batch * g.OutputSize];
            var avgY = new double[batch * g.OutputSize];
            var maxDx = new double[batch * g.InputSize];
            var avgDx = new double[batch * g.InputSize];
            var codes = new byte[batch * g.OutputSize];
            for (int pl = 0; pl < batch * g.Channels; pl++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        int o = (pl * g.OutHeight + oy) * g.OutWidth + ox;
                        var (y0, y1, x0, x1) = Windows(g, oy, ox).Single();
                        double best = double.NegativeInfinity, sum = 0;
                        int arg = -1;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++)
                            {
                                int i = (pl * g.Height + iy) * g.Width + ix;
                                sum += x[i];
                                if (x[i] > best)
                                {
                                    best = x[i];
                                    arg = i;
                                    // The winner's place in the window, row by row, the window's corner counting padding.
                                    codes[o] = (byte)((iy - (oy * g.Stride - g.Pad)) * g.Kernel + ix - (ox * g.Stride - g.Pad));
                                }
                            }

                        maxY[o] = best;
                        maxDx[arg] += dy[o];
                        avgY[o] = sum / (g.Kernel * g.Kernel);
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++)
                                avgDx[(pl * g.Height + iy) * g.Width + ix] += dy[o] / (g.Kernel * g.Kernel);
                    }

            var y = new float[batch * g.OutputSize];
            var winners = new byte[y.Length];
            var dx = Reference.Random(batch * g.InputSize, 99);
            Pooling.MaxForward(g, batch, x, y, winners);
            Reference.Close(y, maxY, 0, $"max {g}");
            Assert.Equal(codes, winners);
            Pooling.MaxBackward(g, batch, dy, winners, dx);
            Reference.Close(dx, maxDx, 1e-6, $"max backward {g}");
            Pooling.AvgForward(g, batch, x, y);
            Reference.Close(y, avgY, 1e-6, $"avg {g}");
            dx = Reference.Random(batch * g.InputSize, 98);
            Pooling.AvgBackward(g, batch, dy, dx);
            Reference.Close(dx, avgDx, 1e-6, $"avg backward {g}");
        }
    }

    [Fact]
    public void A_window_of_padding_only_has_no_winner_and_routes_nothing()
    {
        // 2x2 windows with stride 2 and padding 2 over 3 x 3: the first row and column of windows hold only padding.
        var g = new ConvGeometry(1, 3, 3, 1, 2, 2, 2);
        float[] x = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        var y = new float[g.OutputSize];
        var winners = new byte[g.OutputSize];
        Pooling.MaxForward(g, 1, x, y, winners);
        Assert.Equal(3, g.OutWidth);
        // Window (oy, ox) covers rows 2oy-2..2oy-1 and columns 2ox-2..2ox-1: only (1..2, 1..2) reach the input.
        Assert.Equal(new[] { Pooling.NoWinner, Pooling.NoWinner, Pooling.NoWinner, Pooling.NoWinner, (byte)3, (byte)2, Pooling.NoWinner, (byte)1, (byte)0 }, winners);
        Assert.Equal(new float[] { 0, 0, 0, 0, 5, 6, 0, 8, 9 }, y);
        var dx = new float[9];
        dx.AsSpan().Fill(float.NaN);
        Pooling.MaxBackward(g, 1, new float[] { 10, 20, 30, 40, 1, 2, 50, 3, 4 }, winners, dx);
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 2, 0, 3, 4 }, dx);
    }

    [Fact]
    public void GlobalAverageMatchesReference()
    {
        foreach (int plane in Reference.OddSizes)
            foreach (int batch in new[] { 1, 3 })
            {
                int channels = 5;
                float[] x = Reference.Random(batch * channels * plane, plane), dy = Reference.Random(batch * channels, plane + 1);
                var y = new float[batch * channels];
                var dx = new float[x.Length];
                Pooling.GlobalAvgForward(batch, channels, plane, x, y);
                Pooling.GlobalAvgBackward(batch, channels, plane, dy, dx);
                var ey = new double[y.Length];
                var edx = new double[x.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    for (int j = 0; j < plane; j++)
                    {
                        ey[i] += x[i * plane + j] / (double)plane;
                        edx[i * plane + j] = dy[i] / (double)plane;
                    }
                }

                Reference.Close(y, ey, 1e-6, $"global avg {plane}");
                Reference.Close(dx, edx, 1e-6, $"global avg backward {plane}");
            }
    }

    [Fact]
    public void BadInputNamesSizes()
    {
        var g = new ConvGeometry(2, 4, 4, 2, 2, 2, 0);
        var ex = Assert.Throws<ArgumentException>(() => Pooling.MaxForward(g, 1, new float[32], new float[7], new byte[8]));
        Assert.Contains("8", ex.Message);
        Assert.Contains("7", ex.Message);
        Assert.Throws<ArgumentException>(() => Pooling.AvgForward(g, 0, new float[0], new float[0]));
        ex = Assert.Throws<ArgumentException>(() => Pooling.GlobalAvgForward(2, 3, 4, new float[23], new float[6]));
        Assert.Contains("24", ex.Message);
        Assert.Contains("23", ex.Message);
        Assert.Throws<ArgumentException>(() => Pooling.MaxForward(new ConvGeometry(2, 4, 4, 3, 2, 2, 0), 1, new float[32], new float[12], new byte[12]));
    }
}
