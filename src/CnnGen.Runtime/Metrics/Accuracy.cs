using System;

namespace CnnGen.Metrics
{
    /// <summary>Top-1 classification accuracy, from predicted classes or from logits.</summary>
    /// <remarks>An empty batch has accuracy 0 (no sample was classified correctly).</remarks>
    public static class Accuracy
    {
        /// <summary>Fraction of samples whose predicted class equals the label.</summary>
        /// <param name="predicted">Predicted class per sample.</param>
        /// <param name="labels">True class per sample; same length as <paramref name="predicted"/>.</param>
        /// <returns>A value in [0, 1]; 0 for an empty batch.</returns>
        /// <exception cref="ArgumentException">The spans differ in length.</exception>
        public static double FromPredictions(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels)
        {
            MetricGuard.SameLength(predicted.Length, labels.Length, nameof(predicted), nameof(labels));
            return MetricGuard.Ratio(CountCorrect(predicted, labels), labels.Length);
        }

        /// <summary>Number of samples whose predicted class equals the label.</summary>
        /// <param name="predicted">Predicted class per sample.</param>
        /// <param name="labels">True class per sample; same length as <paramref name="predicted"/>.</param>
        /// <returns>The count of correct predictions.</returns>
        /// <exception cref="ArgumentException">The spans differ in length.</exception>
        public static int CountCorrect(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels)
        {
            MetricGuard.SameLength(predicted.Length, labels.Length, nameof(predicted), nameof(labels));
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                if (predicted[i] == labels[i]) correct++;
            }

            return correct;
        }

        /// <summary>
        /// Fraction of rows whose arg-max (ties to the lowest index) equals the label. Equal to
        /// <see cref="TopK.Accuracy"/> with <c>k = 1</c>. Allocates nothing.
        /// </summary>
        /// <param name="logits">Row-major batch x classes logits (or probabilities).</param>
        /// <param name="labels">True class per row, in [0, classes).</param>
        /// <param name="classes">Number of classes (columns of <paramref name="logits"/>).</param>
        /// <returns>A value in [0, 1]; 0 for an empty batch.</returns>
        /// <exception cref="ArgumentException">The shapes do not match, a label is out of range, or a logit is NaN (the message names the index).</exception>
        public static double FromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
            => TopK.Accuracy(logits, labels, classes, 1);
    }
}
