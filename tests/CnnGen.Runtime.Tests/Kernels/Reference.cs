using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Plain scalar references with double-precision accumulation, and comparison helpers.</summary>
internal static class Reference
{
    public static readonly int[] OddSizes = { 1, 3, 7, 15, 17, 31, 33, 65, 127 };

    public static float[] Random(int count, int seed, float lo = -1f, float hi = 1f)
    {
        var r = new SplitMix64((ulong)seed * 0x9E3779B97F4A7C15UL + 17);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = lo + (hi - lo) * r.NextSingle();
        return x;
    }

    /// <summary>op(A) * op(B) in double, and alongside it |op(A)| * |op(B)|, the magnitude of the terms summed.</summary>
    public static (double[] Product, double[] Magnitude) Gemm(bool ta, bool tb, int m, int n, int k, float[] a, float[] b)
    {
        var c = new double[m * n];
        var mag = new double[m * n];
        var arow = new double[k];
        var bcol = new double[k];
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++) arow[p] = ta ? a[p * m + i] : a[i * k + p];
            for (int j = 0; j < n; j++)
            {
                double s = 0, sa = 0;
                for (int p = 0; p < k; p++)
                {
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += arow[p] * bv;
                    sa += Math.Abs(arow[p] * bv);
                }

                c[i * n + j] = s;
                mag[i * n + j] = sa;
            }
        }

        return (c, mag);
    }

    /// <summary>
    /// Norm-wise relative error <c>||actual - expected||_F / ||scale||_F</c>. With <paramref name="scale"/> the
    /// elementwise sum of |terms| this is the quantity the standard rounding-error bound of a sum,
    /// <c>|fl(s) - s| &lt;= gamma_k * sum |terms|</c>, is stated against, so it stays meaningful when
    /// cancellation makes individual results tiny (a plain relative error would blow up there).
    /// </summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, ReadOnlySpan<double> scale)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            num += d * d;
            den += scale[i] * scale[i];
        }

        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }

    /// <summary>Per-element comparison with a scale floor of 1: <c>|a - e| &lt;= tol * max(1, |e|)</c>.</summary>
    public static void Close(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= tol * Math.Max(1.0, Math.Abs(expected[i]))))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {err:E2}).");
            }
        }
    }

    /// <summary>The value <see cref="Guarded"/> puts past an output.</summary>
    public const float GuardValue = 12345f;

    /// <summary>An output of <paramref name="length"/> floats followed by a vector of guard values, so a write past its end shows.</summary>
    public static float[] Guarded(int length)
    {
        var y = new float[length + 16];
        y.AsSpan().Fill(GuardValue);
        return y;
    }

    /// <summary>Fails if anything past the first <paramref name="length"/> floats of a <see cref="Guarded"/> array changed.</summary>
    public static void AssertGuardIntact(float[] y, int length)
    {
        for (int i = length; i < y.Length; i++) Assert.True(y[i] == GuardValue, $"element {i} past the output was overwritten");
    }

    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var d = new double[x.Length];
        for (int i = 0; i < x.Length; i++) d[i] = x[i];
        return d;
    }

    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += (double)x[i] * y[i];
        return s;
    }

    /// <summary>Direct im2col: row (c, ky, kx), column (oy, ox).</summary>
    public static double[] Unfold(in ConvGeometry g, float[] x)
    {
        var col = new double[g.ColumnSize];
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int ky = 0; ky < g.Kernel; ky++)
                for (int kx = 0; kx < g.Kernel; kx++, row++)
                    for (int oy = 0; oy < g.OutHeight; oy++)
                        for (int ox = 0; ox < g.OutWidth; ox++)
                        {
                            int iy = oy * g.Stride - g.Pad + ky, ix = ox * g.Stride - g.Pad + kx;
                            bool inside = iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width;
                            col[row * g.OutPlane + oy * g.OutWidth + ox] = inside ? x[(c * g.Height + iy) * g.Width + ix] : 0;
                        }

        return col;
    }

    /// <summary>Direct convolution (cross-correlation) of a batch, with optional bias.</summary>
    public static double[] ConvForward(in ConvGeometry g, int batch, float[] x, float[] w, float[]? bias)
    {
        var y = new double[batch * g.OutputSize];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < g.Filters; f++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double s = bias is null ? 0 : bias[f];
                        for (int c = 0; c < g.Channels; c++)
                            for (int ky = 0; ky < g.Kernel; ky++)
                                for (int kx = 0; kx < g.Kernel; kx++)
                                {
                                    int iy = oy * g.Stride - g.Pad + ky, ix = ox * g.Stride - g.Pad + kx;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    s += (double)w[((f * g.Channels + c) * g.Kernel + ky) * g.Kernel + kx]
                                         * x[((n * g.Channels + c) * g.Height + iy) * g.Width + ix];
                                }

                        y[((n * g.Filters + f) * g.OutHeight + oy) * g.OutWidth + ox] = s;
                    }

        return y;
    }

    /// <summary>Convolution gradients by direct accumulation: dW, db, dx.</summary>
    public static (double[] Dw, double[] Db, double[] Dx) ConvBackward(in ConvGeometry g, int batch, float[] x, float[] w, float[] dy)
    {
        var dw = new double[g.WeightSize];
        var db = new double[g.Filters];
        var dx = new double[batch * g.InputSize];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < g.Filters; f++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double d = dy[((n * g.Filters + f) * g.OutHeight + oy) * g.OutWidth + ox];
                        db[f] += d;
                        for (int c = 0; c < g.Channels; c++)
                            for (int ky = 0; ky < g.Kernel; ky++)
                                for (int kx = 0; kx < g.Kernel; kx++)
                                {
                                    int iy = oy * g.Stride - g.Pad + ky, ix = ox * g.Stride - g.Pad + kx;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    int wi = ((f * g.Channels + c) * g.Kernel + ky) * g.Kernel + kx;
                                    int xi = ((n * g.Channels + c) * g.Height + iy) * g.Width + ix;
                                    dw[wi] += d * x[xi];
                                    dx[xi] += d * w[wi];
                                }
                    }

        return (dw, db, dx);
    }

    /// <summary>Shapes (C, H, W, F, kernel, stride, pad) with odd sizes and the three stride/pad combinations.</summary>
    public static IEnumerable<ConvGeometry> ConvShapes(bool pooling)
    {
        int[] sizes = { 1, 3, 7, 15, 17, 31 };
        (int S, int P)[] sp = { (1, 0), (1, 2), (2, 1) };
        int[] kernels = { 1, 2, 3, 5 };
        int i = 0;
        foreach (int h in sizes)
            foreach (int k in kernels)
                foreach (var (s, p) in sp)
                {
                    i++;
                    int w = sizes[(i * 7) % sizes.Length];
                    int c = 1 + (i % 3);
                    int f = pooling ? c : new[] { 1, 3, 7, 17 }[i % 4];
                    if ((long)h - k + 2 * p < 0 || (long)w - k + 2 * p < 0) continue;
                    if (pooling && p >= k) continue; // a pad as large as the window makes all-padding windows
                    yield return new ConvGeometry(c, h, w, f, k, s, p);
                }
    }
}
