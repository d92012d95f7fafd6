using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Batch normalisation over data laid out <c>N x C x S</c>: per channel over N, H, W after a
    /// convolution (S = H*W), per feature over N after an Affine (S = 1).
    /// Training normalises with the batch mean and (biased) variance and updates the running averages
    /// <c>run = m*run + (1-m)*batch</c> (the running variance uses the unbiased estimate, as PyTorch does);
    /// inference normalises with the running averages.
    /// </summary>
    public static class BatchNorm
    {
        /// <summary>Training-mode forward. Saves the normalised values <paramref name="xHat"/> and the per-channel
        /// <paramref name="inverseStd"/> for backward.</summary>
        public static void ForwardTraining(int batch, int channels, int spatial, float momentum, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> runningMean, Span<float> runningVar, Span<float> xHat, Span<float> inverseStd, Span<float> y)
        {
            Validate(batch, channels, spatial, x.Length, y.Length, gamma.Length, beta.Length);
            Guard.Length(xHat.Length, x.Length, nameof(xHat));
            Guard.Length(inverseStd.Length, channels, nameof(inverseStd));
            long count = (long)batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double sum = 0, sumSq = 0;
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> seg = x.Slice((n * channels + c) * spatial, spatial);
                    sum += TensorPrimitives.Sum(seg);
                }

                double mean = sum / count;
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> seg = x.Slice((n * channels + c) * spatial, spatial);
                    for (int i = 0; i < seg.Length; i++)
                    {
                        double d = seg[i] - mean;
                        sumSq += d * d;
                    }
                }

                double variance = sumSq / count;
                float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
                inverseStd[c] = invStd;
                float m = (float)mean, g = gamma[c], b = beta[c];
                for (int n = 0; n < batch; n++)
                {
                    int offset = (n * channels + c) * spatial;
                    ReadOnlySpan<float> seg = x.Slice(offset, spatial);
                    Span<float> hat = xHat.Slice(offset, spatial);
                    TensorPrimitives.Subtract(seg, m, hat);
                    TensorPrimitives.Multiply(hat, invStd, hat);
                    Span<float> output = y.Slice(offset, spatial);
                    TensorPrimitives.Multiply(hat, g, output);
                    TensorPrimitives.Add(output, b, output);
                }

                double unbiased = count > 1 ? sumSq / (count - 1) : variance;
                runningMean[c] = momentum * runningMean[c] + (1 - momentum) * m;
                runningVar[c] = momentum * runningVar[c] + (1 - momentum) * (float)unbiased;
            }
        }

        /// <summary>Inference-mode forward with the running averages.</summary>
        public static void ForwardInference(int batch, int channels, int spatial, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y)
        {
            Validate(batch, channels, spatial, x.Length, y.Length, gamma.Length, beta.Length);
            for (int c = 0; c < channels; c++)
            {
                float scale = gamma[c] / MathF.Sqrt(runningVar[c] + epsilon);
                float shift = beta[c] - runningMean[c] * scale;
                for (int n = 0; n < batch; n++)
                {
                    int offset = (n * channels + c) * spatial;
                    Span<float> output = y.Slice(offset, spatial);
                    TensorPrimitives.Multiply(x.Slice(offset, spatial), scale, output);
                    TensorPrimitives.Add(output, shift, output);
                }
            }
        }

        /// <summary>Backward, <b>overwriting</b> <paramref name="dx"/>, <paramref name="gammaGradient"/> and <paramref name="betaGradient"/>:
        /// <c>dx = invStd/M * (M*dxhat - sum(dxhat) - xhat*sum(dxhat*xhat))</c> with <c>dxhat = dy*gamma</c>, M = N*S.</summary>
        public static void Backward(int batch, int channels, int spatial, ReadOnlySpan<float> dy, ReadOnlySpan<float> xHat,
            ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, Span<float> gammaGradient, Span<float> betaGradient, Span<float> dx)
        {
            Validate(batch, channels, spatial, dy.Length, dx.Length, gamma.Length, gammaGradient.Length);
            Guard.Length(betaGradient.Length, channels, nameof(betaGradient));
            Guard.Length(xHat.Length, dy.Length, nameof(xHat));
            long count = (long)batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double sumDy = 0, sumDyXHat = 0;
                for (int n = 0; n < batch; n++)
                {
                    int offset = (n * channels + c) * spatial;
                    sumDy += TensorPrimitives.Sum(dy.Slice(offset, spatial));
                    sumDyXHat += TensorPrimitives.Dot(dy.Slice(offset, spatial), xHat.Slice(offset, spatial));
                }

                gammaGradient[c] = (float)sumDyXHat;
                betaGradient[c] = (float)sumDy;
                // dx = gamma*invStd * (dy - mean(dy) - xhat * mean(dy*xhat))
                float k = gamma[c] * inverseStd[c];
                float meanDy = (float)(sumDy / count);
                float meanDyXHat = (float)(sumDyXHat / count);
                for (int n = 0; n < batch; n++)
                {
                    int offset = (n * channels + c) * spatial;
                    Span<float> d = dx.Slice(offset, spatial);
                    TensorPrimitives.Multiply(xHat.Slice(offset, spatial), -meanDyXHat, d);
                    TensorPrimitives.Add(d, dy.Slice(offset, spatial), d);
                    TensorPrimitives.Add(d, -meanDy, d);
                    TensorPrimitives.Multiply(d, k, d);
                }
            }
        }

        private static void Validate(int batch, int channels, int spatial, int inLength, int outLength, int gammaLength, int betaLength)
        {
            Guard.Batch(batch);
            Guard.Length(inLength, (long)batch * channels * spatial, "x");
            Guard.Length(outLength, (long)batch * channels * spatial, "y");
            Guard.Length(gammaLength, channels, "gamma");
            Guard.Length(betaLength, channels, "beta");
        }
    }
}
