using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The notes' SoftmaxWithLoss: stable softmax (row maximum subtracted) and mean cross-entropy
    /// <c>-(1/N) sum_n log(p_n[t_n] + 1e-7)</c>; backward is <c>(p - onehot(t)) / N</c>.
    /// </summary>
    public static class SoftmaxCrossEntropy
    {
        /// <summary>The notes' guard against <c>log(0)</c>.</summary>
        public const float LogEpsilon = 1e-7f;

        /// <summary>Row-wise softmax of <paramref name="logits"/> (batch x classes) into <paramref name="probabilities"/>.</summary>
        public static void Softmax(int batch, int classes, ReadOnlySpan<float> logits, Span<float> probabilities)
        {
            Guard.Batch(batch);
            Guard.Length(logits.Length, (long)batch * classes, nameof(logits));
            Guard.Length(probabilities.Length, (long)batch * classes, nameof(probabilities));
            for (int n = 0; n < batch; n++)
            {
                // TensorPrimitives.SoftMax subtracts nothing; subtracting the maximum keeps exp() finite for logits like 1000.
                ReadOnlySpan<float> z = logits.Slice(n * classes, classes);
                Span<float> p = probabilities.Slice(n * classes, classes);
                float max = TensorPrimitives.Max(z);
                TensorPrimitives.Subtract(z, max, p);
                TensorPrimitives.Exp(p, p);
                float sum = TensorPrimitives.Sum(p);
                TensorPrimitives.Multiply(p, 1f / sum, p);
            }
        }

        /// <summary>Softmax plus mean cross-entropy; returns the loss. Labels must lie in [0, classes).</summary>
        public static float Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> probabilities)
        {
            Guard.Length(labels.Length, batch, nameof(labels));
            Guard.Labels(labels, classes);
            Softmax(batch, classes, logits, probabilities);
            double loss = 0;
            for (int n = 0; n < batch; n++)
            {
                loss -= Math.Log(probabilities[n * classes + labels[n]] + LogEpsilon);
            }

            return (float)(loss / batch);
        }

        /// <summary>Gradient of the mean loss with respect to the logits: <c>(p - onehot(t)) / N</c>.</summary>
        public static void Backward(int batch, int classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, Span<float> dLogits)
        {
            Guard.Batch(batch);
            Guard.Length(probabilities.Length, (long)batch * classes, nameof(probabilities));
            Guard.Length(labels.Length, batch, nameof(labels));
            Guard.Length(dLogits.Length, (long)batch * classes, nameof(dLogits));
            float scale = 1f / batch;
            TensorPrimitives.Multiply(probabilities, scale, dLogits);
            for (int n = 0; n < batch; n++)
            {
                dLogits[n * classes + labels[n]] -= scale;
            }
        }
    }
}
