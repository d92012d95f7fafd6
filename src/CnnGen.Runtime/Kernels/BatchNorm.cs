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
        public static unsafe void ForwardTraining(int batch, int channels, int spatial, float momentum, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> runningMean, Span<float> runningVar, Span<float> xHat, Span<float> inverseStd, Span<float> y)
        {
            Validate(batch, channels, spatial, x.Length, y.Length, gamma.Length, beta.Length);
            Guard.Length(xHat.Length, x.Length, nameof(xHat));
            Guard.Length(inverseStd.Length, channels, nameof(inverseStd));
            Guard.Length(runningMean.Length, channels, nameof(runningMean));
            Guard.Length(runningVar.Length, channels, nameof(runningVar));
            if (Splits(batch, channels, spatial))
            {
                fixed (float* xp = x) fixed (float* gp = gamma) fixed (float* bp = beta) fixed (float* rm = runningMean)
                fixed (float* rv = runningVar) fixed (float* hp = xHat) fixed (float* ip = inverseStd) fixed (float* yp = y)
                {
                    Job job = Job.ForCurrentThread;
                    job.Set(Job.Kind.Training, batch, channels, spatial, momentum, epsilon, xp, gp, bp, rm, rv, hp, ip, yp);
                    ParallelBlocks.Run(job, job.Blocks);
                    job.Clear();
                }

                return;
            }

            ForwardTrainingChannels(0, channels, batch, channels, spatial, momentum, epsilon, x, gamma, beta, runningMean, runningVar, xHat, inverseStd, y);
        }

        private static void ForwardTrainingChannels(int c0, int c1, int batch, int channels, int spatial, float momentum, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> runningMean, Span<float> runningVar, Span<float> xHat, Span<float> inverseStd, Span<float> y)
        {
            long count = (long)batch * spatial;
            for (int c = c0; c < c1; c++)
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
        public static unsafe void ForwardInference(int batch, int channels, int spatial, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y)
        {
            Validate(batch, channels, spatial, x.Length, y.Length, gamma.Length, beta.Length);
            Guard.Length(runningMean.Length, channels, nameof(runningMean));
            Guard.Length(runningVar.Length, channels, nameof(runningVar));
            if (Splits(batch, channels, spatial))
            {
                fixed (float* xp = x) fixed (float* gp = gamma) fixed (float* bp = beta) fixed (float* rm = runningMean)
                fixed (float* rv = runningVar) fixed (float* yp = y)
                {
                    Job job = Job.ForCurrentThread;
                    job.Set(Job.Kind.Inference, batch, channels, spatial, 0f, epsilon, xp, gp, bp, rm, rv, null, null, yp);
                    ParallelBlocks.Run(job, job.Blocks);
                    job.Clear();
                }

                return;
            }

            ForwardInferenceChannels(0, channels, batch, channels, spatial, epsilon, x, gamma, beta, runningMean, runningVar, y);
        }

        private static void ForwardInferenceChannels(int c0, int c1, int batch, int channels, int spatial, float epsilon,
            ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y)
        {
            for (int c = c0; c < c1; c++)
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
        public static unsafe void Backward(int batch, int channels, int spatial, ReadOnlySpan<float> dy, ReadOnlySpan<float> xHat,
            ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, Span<float> gammaGradient, Span<float> betaGradient, Span<float> dx)
        {
            Validate(batch, channels, spatial, dy.Length, dx.Length, gamma.Length, gammaGradient.Length);
            Guard.Length(betaGradient.Length, channels, nameof(betaGradient));
            Guard.Length(xHat.Length, dy.Length, nameof(xHat));
            Guard.Length(inverseStd.Length, channels, nameof(inverseStd));
            if (Splits(batch, channels, spatial))
            {
                fixed (float* dyp = dy) fixed (float* hp = xHat) fixed (float* ip = inverseStd) fixed (float* gp = gamma)
                fixed (float* ggp = gammaGradient) fixed (float* bgp = betaGradient) fixed (float* dxp = dx)
                {
                    Job job = Job.ForCurrentThread;
                    // x = dy, gamma = gamma, beta = inverse std, running mean/var = gamma/beta gradients, y = dx.
                    job.Set(Job.Kind.Backward, batch, channels, spatial, 0f, 0f, dyp, gp, ip, ggp, bgp, hp, null, dxp);
                    ParallelBlocks.Run(job, job.Blocks);
                    job.Clear();
                }

                return;
            }

            BackwardChannels(0, channels, batch, channels, spatial, dy, xHat, inverseStd, gamma, gammaGradient, betaGradient, dx);
        }

        private static void BackwardChannels(int c0, int c1, int batch, int channels, int spatial, ReadOnlySpan<float> dy, ReadOnlySpan<float> xHat,
            ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, Span<float> gammaGradient, Span<float> betaGradient, Span<float> dx)
        {
            long count = (long)batch * spatial;
            for (int c = c0; c < c1; c++)
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

        /// <summary>Whether a call is worth sharing among threads (by channels; each channel's sums keep their order).</summary>
        private static bool Splits(int batch, int channels, int spatial) =>
            channels > 1 && ParallelBlocks.Degree > 1 && (long)batch * channels * spatial >= ParallelBlocks.ElementwiseThreshold;

        /// <summary>One parallel call over contiguous channel ranges (bit-identical to one thread).</summary>
        private sealed unsafe class Job : IBlockJob
        {
            public enum Kind { Training, Inference, Backward }

            [ThreadStatic] private static Job? t_current;

            public static Job ForCurrentThread => t_current ??= new Job();

            private Kind _kind;
            private int _batch, _channels, _spatial;
            private float _momentum, _epsilon;
            private float* _x, _gamma, _beta, _mean, _var, _hat, _inv, _y;

            public int Blocks { get; private set; }

            public void Set(Kind kind, int batch, int channels, int spatial, float momentum, float epsilon, float* x, float* gamma, float* beta,
                float* mean, float* var, float* hat, float* inv, float* y)
            {
                _kind = kind; _batch = batch; _channels = channels; _spatial = spatial; _momentum = momentum; _epsilon = epsilon;
                _x = x; _gamma = gamma; _beta = beta; _mean = mean; _var = var; _hat = hat; _inv = inv; _y = y;
                Blocks = ParallelBlocks.BlocksFor(channels);
            }

            public void Clear() => _x = _gamma = _beta = _mean = _var = _hat = _inv = _y = null;

            public void Run(int block)
            {
                int c0 = ParallelBlocks.Split(_channels, Blocks, block), c1 = ParallelBlocks.Split(_channels, Blocks, block + 1);
                if (c1 <= c0) return;
                int n = _channels, total = _batch * _channels * _spatial;
                switch (_kind)
                {
                    case Kind.Training:
                        ForwardTrainingChannels(c0, c1, _batch, _channels, _spatial, _momentum, _epsilon, new ReadOnlySpan<float>(_x, total),
                            new ReadOnlySpan<float>(_gamma, n), new ReadOnlySpan<float>(_beta, n), new Span<float>(_mean, n), new Span<float>(_var, n),
                            new Span<float>(_hat, total), new Span<float>(_inv, n), new Span<float>(_y, total));
                        break;
                    case Kind.Inference:
                        ForwardInferenceChannels(c0, c1, _batch, _channels, _spatial, _epsilon, new ReadOnlySpan<float>(_x, total),
                            new ReadOnlySpan<float>(_gamma, n), new ReadOnlySpan<float>(_beta, n), new ReadOnlySpan<float>(_mean, n),
                            new ReadOnlySpan<float>(_var, n), new Span<float>(_y, total));
                        break;
                    default:
                        BackwardChannels(c0, c1, _batch, _channels, _spatial, new ReadOnlySpan<float>(_x, total), new ReadOnlySpan<float>(_hat, total),
                            new ReadOnlySpan<float>(_beta, n), new ReadOnlySpan<float>(_gamma, n), new Span<float>(_mean, n),
                            new Span<float>(_var, n), new Span<float>(_y, total));
                        break;
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
