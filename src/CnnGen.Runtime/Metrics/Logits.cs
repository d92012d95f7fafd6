using System;

namespace CnnGen.Metrics
{
    /// <summary>Turns row-major logits (batch x classes) into predicted classes.</summary>
    public static class Logits
    {
        /// <summary>
        /// Index of the largest value in <paramref name="row"/>; on ties the lowest index wins.
        /// </summary>
        /// <param name="row">The logits (or probabilities) of one sample; must not be empty or contain NaN.</param>
        /// <returns>The predicted class.</returns>
        /// <exception cref="ArgumentException"><paramref name="row"/> is empty or holds a NaN (the message names its index).</exception>
        public static int ArgMax(ReadOnlySpan<float> row)
        {
            if (row.IsEmpty) throw new ArgumentException("A row of logits must hold at least one value.", nameof(row));
            int best = 0;
            float max = row[0];
            if (float.IsNaN(max)) throw new ArgumentException("'row'[0] is NaN.", nameof(row));
            for (int j = 1; j < row.Length; j++)
            {
                float v = row[j];
                if (float.IsNaN(v)) throw new ArgumentException($"'row'[{j}] is NaN.", nameof(row));
                if (v > max)
                {
                    max = v;
                    best = j;
                }
            }

            return best;
        }

        /// <summary>
        /// Writes the arg-max of every row of <paramref name="logits"/> into <paramref name="predicted"/>;
        /// ties go to the lowest class index. Allocates nothing.
        /// </summary>
        /// <param name="logits">Row-major batch x classes values; its length must be <c>predicted.Length * classes</c>.</param>
        /// <param name="classes">Number of classes (columns).</param>
        /// <param name="predicted">Receives one class index per row.</param>
        /// <exception cref="ArgumentException">The lengths do not match, or a logit is NaN (the message names its flat index).</exception>
        public static void ArgMax(ReadOnlySpan<float> logits, int classes, Span<int> predicted)
        {
            MetricGuard.Classes(classes);
            MetricGuard.LogitsShape(logits.Length, predicted.Length, classes, nameof(logits));
            MetricGuard.NotNaN(logits, nameof(logits));
            for (int n = 0; n < predicted.Length; n++)
            {
                predicted[n] = ArgMax(logits.Slice(n * classes, classes));
            }
        }
    }
}
