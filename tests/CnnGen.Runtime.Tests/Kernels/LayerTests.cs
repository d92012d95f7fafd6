using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

public sealed class LayerTests
{
    [Fact]
    public void DenseMatchesReference()
    {
        int[] s = Reference.OddSizes;
        for (int i = 0; i < s.Length; i++)
        {
            int batch = i % 2 == 0 ? 1 : s[(i + 2) % s.Length], inputs = s[i], outputs = s[(i + 4) % s.Length];
            float[] x = Reference.Random(batch * inputs, i), w = Reference.Random(inputs * outputs, i + 1);
            float[] b = Reference.Random(outputs, i + 2), dy = Reference.Random(batch * outputs, i + 3);
            var y = new float[batch * outputs];
            Dense.Forward(batch, inputs, outputs, x, w, b, y);
            var ey = new double[y.Length];
            var edw = new double[w.Length];
            var edb = new double[outputs];
            var edx = new double[x.Length];
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < outputs; o++)
                {
                    double sum = b[o];
                    double d = dy[n * outputs + o];
                    edb[o] += d;
                    for (int p = 0; p < inputs; p++)
                    {
                        sum += (double)x[n * inputs + p] * w[p * outputs + o];
                        edw[p * outputs + o] += x[n * inputs + p] * d;
                        edx[n * inputs + p] += w[p * outputs + o] * d;
                    }

                    ey[n * outputs + o] = sum;
                }

            string what = $"dense {batch}x{inputs}->{outputs}";
            Reference.Close(y, ey, 1e-5, what);
            var dw = Reference.Random(w.Length, 7);
            var db = Reference.Random(outputs, 8);
            var dx = Reference.Random(x.Length, 9);
            Dense.Backward(batch, inputs, outputs, x, w, dy, dw, db, dx);
            Reference.Close(dw, edw, 1e-5, what + " dW");
            Reference.Close(db, edb, 1e-5, what + " db");
            Reference.Close(dx, edx, 1e-5, what + " dx");
            Dense.Backward(batch, inputs, outputs, x, w, dy, dw, Span<float>.Empty, Span<float>.Empty);
            Reference.Close(dw, edw, 1e-5, what + " dW only");
        }

        var ex = Assert.Throws<ArgumentException>(() => Dense.Forward(2, 3, 4, new float[5], new float[12], default, new float[8]));
        Assert.Contains("6", ex.Message);
        Assert.Contains("5", ex.Message);
        Assert.Throws<ArgumentException>(() => Dense.Forward(0, 3, 4, new float[0], new float[12], default, new float[0]));
    }

    [Fact]
    public void ActivationsMatchReference()
    {
        foreach (int len in Reference.OddSizes)
        {
            float[] x = Reference.Random(len, len, -6f, 6f), dy = Reference.Random(len, len + 1);
            var y = new float[len];
            var dx = new float[len];
            (Action, Func<double, double> F, Func<double, double, double> D)[] cases =
            {
                (() => Activations.ReluForward(x, y), v => Math.Max(0, v), (yy, d) => yy > 0 ? d : 0),
                (() => Activations.SigmoidForward(x, y), v => 1 / (1 + Math.Exp(-v)), (yy, d) => d * yy * (1 - yy)),
                (() => Activations.TanhForward(x, y), Math.Tanh, (yy, d) => d * (1 - yy * yy)),
            };
            Action<int>[] backward =
            {
                _ => Activations.ReluBackward(y, dy, dx),
                _ => Activations.SigmoidBackward(y, dy, dx),
                _ => Activations.TanhBackward(y, dy, dx),
            };
            for (int c = 0; c < cases.Length; c++)
            {
                cases[c].Item1();
                Reference.Close(y, x.Select(v => cases[c].F(v)).ToArray(), 1e-5, $"activation {c} forward {len}");
                backward[c](0);
                Reference.Close(dx, y.Select((yy, i) => cases[c].D(yy, dy[i])).ToArray(), 1e-6, $"activation {c} backward {len}");
            }
        }

        var ex = Assert.Throws<ArgumentException>(() => Activations.ReluForward(new float[4], new float[3]));
        Assert.Contains("4", ex.Message);
        Assert.Contains("3", ex.Message);
        Assert.Throws<ArgumentException>(() => Activations.TanhBackward(new float[4], new float[4], new float[5]));
    }

    [Fact]
    public void SoftmaxCrossEntropyMatchesReference()
    {
        foreach (int classes in Reference.OddSizes)
            foreach (int batch in new[] { 1, 3, 7 })
            {
                float[] z = Reference.Random(batch * classes, classes * 10 + batch, -20f, 20f);
                z[0] += 1000f; // the maximum is subtracted, so huge logits stay finite
                var labels = Enumerable.Range(0, batch).Select(n => (n * 5 + 1) % classes).ToArray();
                var p = new float[z.Length];
                float loss = SoftmaxCrossEntropy.Forward(batch, classes, z, labels, p);
                var ep = new double[z.Length];
                double eloss = 0;
                for (int n = 0; n < batch; n++)
                {
                    double max = double.NegativeInfinity, sum = 0;
                    for (int j = 0; j < classes; j++) max = Math.Max(max, z[n * classes + j]);
                    for (int j = 0; j < classes; j++) sum += Math.Exp(z[n * classes + j] - max);
                    for (int j = 0; j < classes; j++) ep[n * classes + j] = Math.Exp(z[n * classes + j] - max) / sum;
                    eloss -= Math.Log(ep[n * classes + labels[n]] + SoftmaxCrossEntropy.LogEpsilon);
                }

                eloss /= batch;
                Reference.Close(p, ep, 1e-5, $"softmax {batch}x{classes}");
                Assert.True(Math.Abs(loss - eloss) <= 1e-4 * Math.Max(1, Math.Abs(eloss)), $"loss {loss} expected {eloss}");
                var d = new float[z.Length];
                SoftmaxCrossEntropy.Backward(batch, classes, p, labels, d);
                var ed = new double[z.Length];
                for (int i = 0; i < ed.Length; i++) ed[i] = p[i] / (double)batch;
                for (int n = 0; n < batch; n++) ed[n * classes + labels[n]] -= 1.0 / batch;
                Reference.Close(d, ed, 1e-6, $"softmax backward {batch}x{classes}");
            }

        var pr = new float[6];
        var ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(2, 3, new float[6], new[] { 0, 3 }, pr));
        Assert.Contains("3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(2, 3, new float[6], new[] { 0, -1 }, pr));
        Assert.Contains("-1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(2, 3, new float[5], new[] { 0, 1 }, pr));
        Assert.Contains("6", ex.Message);
        Assert.Contains("5", ex.Message);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(2, 3, new float[6], new[] { 0 }, pr));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(0, 3, new float[0], Array.Empty<int>(), new float[0]));
    }

    [Fact]
    public void DropoutKeepsTheExpectedFractionAndScales()
    {
        foreach (float rate in new[] { 0f, 0.25f, 0.5f })
        {
            int len = 20001;
            float[] x = Reference.Random(len, 1), dy = Reference.Random(len, 2);
            var y = new float[len];
            var mask = new float[len];
            var rng = new SplitMix64(42);
            Dropout.Forward(rate, ref rng, x, y, mask);
            float keep = 1f / (1f - rate);
            int kept = 0;
            for (int i = 0; i < len; i++)
            {
                Assert.True(mask[i] == 0f || mask[i] == keep);
                if (mask[i] != 0f) kept++;
                Assert.Equal(x[i] * mask[i], y[i]);
            }

            double fraction = kept / (double)len;
            Assert.True(Math.Abs(fraction - (1 - rate)) < 0.02, $"rate {rate}: kept {fraction}");
            var dx = new float[len];
            Dropout.Backward(mask, dy, dx);
            for (int i = 0; i < len; i++) Assert.Equal(dy[i] * mask[i], dx[i]);

            // Same seed, same mask.
            var rng2 = new SplitMix64(42);
            var mask2 = new float[len];
            Dropout.Forward(rate, ref rng2, x, y, mask2);
            Assert.Equal(mask, mask2);
        }

        var r = new SplitMix64(1);
        Assert.Throws<ArgumentException>(() => { var rr = r; Dropout.Forward(1f, ref rr, new float[3], new float[3], new float[3]); });
        var ex = Assert.Throws<ArgumentException>(() => { var rr = r; Dropout.Forward(0.5f, ref rr, new float[3], new float[3], new float[2]); });
        Assert.Contains("3", ex.Message);
        Assert.Contains("2", ex.Message);
    }
}
