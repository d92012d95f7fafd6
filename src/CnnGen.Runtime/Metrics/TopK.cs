using System;

namespace CnnGen.Metrics
{
    /// <summary>
    /// Top-k accuracy and top-k error (the ILSVRC "top-5 error"): a sample counts as correct when its
    /// label is among the <c>k</c> highest-scoring classes.
    /// </summary>
    /// <remarks>
    /// Ties are ranked the same way as <see cref="Logits.ArgMax(ReadOnlySpan{float})"/>: a class
    /// outranks the label when its logit is larger, or equal with a lower class index. So with <c>k = 1</c>
    /// the result equals top-1 accuracy. An empty batch has accuracy 0 and error 1.
    /// </remarks>
    public static class TopK
    {
        /// <summary>Whether <paramref name="label"/> is among the <paramref name="k"/> best classes of one row.</summary>
        /// <param name="row">The logits of one sample; must not contain NaN.</param>
        /// <param name="label">The true class, in [0, row.Length).</param>
        /// <param name="k">How many top classes count as a hit, in [1, row.Length].</param>
        /// <returns><see langword="true"/> when fewer than <paramref name="k"/> classes outrank the label.</returns>
        /// <exception cref="ArgumentException">The label or k is out of range, or a logit is NaN.</exception>
        public static bool Contains(ReadOnlySpan<float> row, int label, int k)
        {
            if ((uint)label >= (uint)row.Length) throw new ArgumentException($"Label {label} is out of range: expected 0 to {row.Length - 1}.", nameof(label));
            if (k < 1 || k > row.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the number of classes ({row.Length}).");
            MetricGuard.NotNaN(row, nameof(row));
            return IsHit(row, label, k);
        }

        /// <summary>Number of rows whose label is among their <paramref name="k"/> best classes. Allocates nothing.</summary>
        /// <param name="logits">Row-major batch x classes logits.</param>
        /// <param name="labels">True class per row, in [0, classes).</param>
        /// <param name="classes">Number of classes.</param>
        /// <param name="k">How many top classes count as a hit, in [1, classes].</param>
        /// <returns>The number of hits.</returns>
        /// <exception cref="ArgumentException">The shapes do not match, a label or k is out of range, or a logit is NaN (the message names the index).</exception>
        public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, int k)
        {
            MetricGuard.Classes(classes);
            if (k < 1 || k > classes) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the number of classes ({classes}).");
            MetricGuard.LogitsShape(logits.Length, labels.Length, classes, nameof(logits));
            MetricGuard.ClassIndices(labels, classes, nameof(labels));
            MetricGuard.NotNaN(logits, nameof(logits));
            int hits = 0;
            for (int n = 0; n < labels.Length; n++)
            {
                if (IsHit(logits.Slice(n * classes, classes), labels[n], k)) hits++;
            }

            return hits;
        }

        /// <summary>Top-k accuracy: fraction of rows whose label is among their <paramref name="k"/> best classes.</summary>
        /// <param name="logits">Row-major batch x classes logits.</param>
        /// <param name="labels">True class per row, in [0, classes).</param>
        /// <param name="classes">Number of classes.</param>
        /// <param name="k">How many top classes count as a hit, in [1, classes].</param>
        /// <returns>A value in [0, 1]; 0 for an empty batch.</returns>
        /// <exception cref="ArgumentException">See <see cref="CountCorrect"/>.</exception>
        public static double Accuracy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, int k)
            => MetricGuard.Ratio(CountCorrect(logits, labels, classes, k), labels.Length);

        /// <summary>Top-k error: <c>1 - </c><see cref="Accuracy"/>.</summary>
        /// <param name="logits">Row-major batch x classes logits.</param>
        /// <param name="labels">True class per row, in [0, classes).</param>
        /// <param name="classes">Number of classes.</param>
        /// <param name="k">How many top classes count as a hit, in [1, classes].</param>
        /// <returns>A value in [0, 1]; 1 for an empty batch.</returns>
        /// <exception cref="ArgumentException">See <see cref="CountCorrect"/>.</exception>
        public static double Error(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, int k)
            => 1.0 - Accuracy(logits, labels, classes, k);

        private static bool IsHit(ReadOnlySpan<float> row, int label, int k)
        {
            float target = row[label];
            int outranking = 0;
            for (int j = 0; j < row.Length; j++)
            {
                float v = row[j];
                if (v > target || (v == target && j < label))
                {
                    if (++outranking >= k) return false;
                }
            }

            return true;
        }
    }
}
