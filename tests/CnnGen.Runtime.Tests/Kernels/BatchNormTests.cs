using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

public sealed class BatchNormTests
{
    private const float Eps = 1e-5f;

    private static (int Batch, int Channels, int Spatial)[] Shapes =>
        new[] { (1, 3, 7), (3, 1, 1), (3, 5, 1), (7, 2, 15), (2, 3, 33), (5, 4, 17), (1, 2, 65) };

    [Fact]
    public void TrainingAndInferenceMatchReference()
    {
        foreach (var (batch, channels, spatial) in Shapes)
        {
            int len = batch * channels * spatial;
            float[] x = Reference.Random(len, len, -3f, 5f), gamma = Reference.Random(channels, 2, 0.5f, 2f), beta = Reference.Random(channels, 3);
            float[] rm = Reference.Random(channels, 4), rv = Reference.Random(channels, 5, 0.5f, 2f);
            float[] rm0 = (float[])rm.Clone(), rv0 = (float[])rv.Clone();
            var xHat = new float[len];
            var inv = new float[channels];
            var y = new float[len];
            const float momentum = 0.9f;
            BatchNorm.ForwardTraining(batch, channels, spatial, momentum, Eps, x, gamma, beta, rm, rv, xHat, inv, y);

            var ey = new double[len];
            var exh = new double[len];
            int count = batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double mean = 0, var = 0;
                for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) mean += x[(n * channels + c) * spatial + s];
                mean /= count;
                for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) var += Math.Pow(x[(n * channels + c) * spatial + s] - mean, 2);
                double unbiased = count > 1 ? var / (count - 1) : var / count;
                var /= count;
                double invStd = 1 / Math.Sqrt(var + Eps);
                Assert.True(Math.Abs(inv[c] - invStd) <= 1e-4 * invStd, $"invStd {inv[c]} vs {invStd}");
                for (int n = 0; n < batch; n++)
                    for (int s = 0; s < spatial; s++)
                    {
                        int i = (n * channels + c) * spatial + s;
                        exh[i] = (x[i] - mean) * invStd;
                        ey[i] = gamma[c] * exh[i] + beta[c];
                    }

                Assert.True(Math.Abs(rm[c] - (momentum * rm0[c] + (1 - momentum) * mean)) < 1e-5);
                Assert.True(Math.Abs(rv[c] - (momentum * rv0[c] + (1 - momentum) * unbiased)) < 1e-4 * Math.Max(1, unbiased));
            }

            // When the batch has a single value per channel xHat is 0 and invStd is 1/sqrt(eps); compare with a floor.
            Reference.Close(xHat, exh, 1e-4, $"xHat {batch}x{channels}x{spatial}");
            Reference.Close(y, ey, 1e-4, $"y {batch}x{channels}x{spatial}");

            BatchNorm.ForwardInference(batch, channels, spatial, Eps, x, gamma, beta, rm, rv, y);
            for (int i = 0; i < len; i++)
            {
                int c = i / spatial % channels;
                ey[i] = gamma[c] * (x[i] - rm[c]) / Math.Sqrt(rv[c] + Eps) + beta[c];
            }

            Reference.Close(y, ey, 1e-5, $"inference {batch}x{channels}x{spatial}");
        }

        var ex = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(2, 3, 4, Eps, new float[24], new float[2], new float[3], new float[3], new float[3], new float[24]));
        Assert.Contains("3", ex.Message);
        Assert.Contains("2", ex.Message);
        Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(0, 3, 4, Eps, new float[0], new float[3], new float[3], new float[3], new float[3], new float[0]));
    }

    [Fact]
    public void BackwardMatchesFiniteDifferences()
    {
        // Loss L = sum(w * y) for a fixed random w, so dL/dy = w; compare analytic gradients with central
        // differences of L computed in double through the training-mode forward.
        foreach (var (batch, channels, spatial) in Shapes.Where(s => s.Batch * s.Spatial > 1))
        {
            int len = batch * channels * spatial;
            float[] x = Reference.Random(len, len + 1, -2f, 2f), gamma = Reference.Random(channels, 7, 0.5f, 2f), beta = Reference.Random(channels, 8);
            float[] w = Reference.Random(len, 9);
            var xHat = new float[len];
            var inv = new float[channels];
            var y = new float[len];
            BatchNorm.ForwardTraining(batch, channels, spatial, 0.9f, Eps, x, gamma, beta, new float[channels], new float[channels], xHat, inv, y);
            var dx = new float[len];
            var dg = new float[channels];
            var db = new float[channels];
            BatchNorm.Backward(batch, channels, spatial, w, xHat, inv, gamma, dg, db, dx);

            double[] xd = Reference.ToDouble(x), gd = Reference.ToDouble(gamma), bd = Reference.ToDouble(beta);
            double Loss()
            {
                double loss = 0;
                int count = batch * spatial;
                for (int c = 0; c < channels; c++)
                {
                    double mean = 0, var = 0;
                    for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) mean += xd[(n * channels + c) * spatial + s];
                    mean /= count;
                    for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) var += Math.Pow(xd[(n * channels + c) * spatial + s] - mean, 2);
                    var /= count;
                    for (int n = 0; n < batch; n++)
                        for (int s = 0; s < spatial; s++)
                        {
                            int i = (n * channels + c) * spatial + s;
                            loss += w[i] * (gd[c] * (xd[i] - mean) / Math.Sqrt(var + Eps) + bd[c]);
                        }
                }

                return loss;
            }

            const double h = 1e-4;
            double Central(double[] v, int i)
            {
                double keep = v[i];
                v[i] = keep + h;
                double up = Loss();
                v[i] = keep - h;
                double down = Loss();
                v[i] = keep;
                return (up - down) / (2 * h);
            }

            string what = $"{batch}x{channels}x{spatial}";
            for (int i = 0; i < len; i++) Assert.True(Math.Abs(dx[i] - Central(xd, i)) < 1e-3, $"dx[{i}] {what}: {dx[i]} vs {Central(xd, i)}");
            for (int c = 0; c < channels; c++)
            {
                Assert.True(Math.Abs(dg[c] - Central(gd, c)) < 1e-3, $"dgamma[{c}] {what}");
                Assert.True(Math.Abs(db[c] - Central(bd, c)) < 1e-3, $"dbeta[{c}] {what}");
            }
        }
    }
}
