using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Metrics
{
    /// <summary>
    /// A classes x classes table of counts: row = true class, column = predicted class (the layout of
    /// scikit-learn's <c>confusion_matrix</c>). Accumulates batch after batch; adding a batch allocates nothing.
    /// </summary>
    /// <remarks>
    /// Each batch is validated in full before anything is counted, so a rejected batch leaves the
    /// counts unchanged. Ratios whose denominator is zero (for example the precision of a class that
    /// was never predicted) are reported as 0.
    /// </remarks>
    public sealed class ConfusionMatrix
    {
        private readonly long[] _counts;

        /// <summary>Creates an empty matrix for <paramref name="classes"/> classes.</summary>
        /// <param name="classes">Number of classes, at least 1.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is less than 1.</exception>
        public ConfusionMatrix(int classes)
        {
            MetricGuard.Classes(classes);
            Classes = classes;
            _counts = new long[checked(classes * classes)];
        }

        /// <summary>Number of classes (rows and columns).</summary>
        public int Classes { get; }

        /// <summary>Number of samples counted so far.</summary>
        public long Total { get; private set; }

        /// <summary>Number of samples on the diagonal (predicted class = true class).</summary>
        public long Correct
        {
            get
            {
                long sum = 0;
                for (int c = 0; c < Classes; c++) sum += _counts[c * Classes + c];
                return sum;
            }
        }

        /// <summary>Overall accuracy, <see cref="Correct"/> / <see cref="Total"/>; 0 when empty.</summary>
        public double Accuracy => MetricGuard.Ratio(Correct, Total);

        /// <summary>The number of samples of true class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
        /// <param name="actual">True class (row).</param>
        /// <param name="predicted">Predicted class (column).</param>
        /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Classes"/>).</exception>
        public long this[int actual, int predicted]
        {
            get
            {
                CheckClass(actual, nameof(actual));
                CheckClass(predicted, nameof(predicted));
                return _counts[actual * Classes + predicted];
            }
        }

        /// <summary>Counts one sample.</summary>
        /// <param name="actual">True class.</param>
        /// <param name="predicted">Predicted class.</param>
        /// <exception cref="ArgumentOutOfRangeException">A class is outside [0, <see cref="Classes"/>).</exception>
        public void Add(int actual, int predicted)
        {
            CheckClass(actual, nameof(actual));
            CheckClass(predicted, nameof(predicted));
            _counts[actual * Classes + predicted]++;
            Total++;
        }

        /// <summary>Counts a batch of predicted classes against their labels. Allocates nothing.</summary>
        /// <param name="predicted">Predicted class per sample.</param>
        /// <param name="labels">True class per sample; same length as <paramref name="predicted"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ or a class is out of range (the message names the index).</exception>
        public void Add(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels)
        {
            MetricGuard.SameLength(predicted.Length, labels.Length, nameof(predicted), nameof(labels));
            MetricGuard.ClassIndices(predicted, Classes, nameof(predicted));
            MetricGuard.ClassIndices(labels, Classes, nameof(labels));
            for (int i = 0; i < labels.Length; i++)
            {
                _counts[labels[i] * Classes + predicted[i]]++;
            }

            Total += labels.Length;
        }

        /// <summary>Counts a batch of logits (arg-max per row, ties to the lowest index) against their labels. Allocates nothing.</summary>
        /// <param name="logits">Row-major batch x <see cref="Classes"/> logits.</param>
        /// <param name="labels">True class per row.</param>
        /// <exception cref="ArgumentException">The shapes differ, a label is out of range, or a logit is NaN (the message names the index).</exception>
        public void AddLogits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels)
        {
            MetricGuard.LogitsShape(logits.Length, labels.Length, Classes, nameof(logits));
            MetricGuard.ClassIndices(labels, Classes, nameof(labels));
            MetricGuard.NotNaN(logits, nameof(logits));
            for (int n = 0; n < labels.Length; n++)
            {
                int predicted = Logits.ArgMax(logits.Slice(n * Classes, Classes));
                _counts[labels[n] * Classes + predicted]++;
            }

            Total += labels.Length;
        }

        /// <summary>Sets every count back to zero.</summary>
        public void Reset()
        {
            Array.Clear(_counts);
            Total = 0;
        }

        /// <summary>Samples of class <paramref name="c"/> predicted as <paramref name="c"/>.</summary>
        /// <param name="c">Class index.</param>
        /// <returns>The diagonal entry.</returns>
        public long TruePositives(int c) => this[c, c];

        /// <summary>Samples of another class predicted as <paramref name="c"/> (column sum minus diagonal).</summary>
        /// <param name="c">Class index.</param>
        /// <returns>The false-positive count.</returns>
        public long FalsePositives(int c) => PredictedCount(c) - TruePositives(c);

        /// <summary>Samples of class <paramref name="c"/> predicted as another class (row sum minus diagonal).</summary>
        /// <param name="c">Class index.</param>
        /// <returns>The false-negative count.</returns>
        public long FalseNegatives(int c) => Support(c) - TruePositives(c);

        /// <summary>Samples whose true class is <paramref name="c"/> (row sum).</summary>
        /// <param name="c">Class index.</param>
        /// <returns>The row sum.</returns>
        public long Support(int c)
        {
            CheckClass(c, nameof(c));
            long sum = 0;
            for (int j = 0; j < Classes; j++) sum += _counts[c * Classes + j];
            return sum;
        }

        /// <summary>Samples predicted as <paramref name="c"/> (column sum).</summary>
        /// <param name="c">Class index.</param>
        /// <returns>The column sum.</returns>
        public long PredictedCount(int c)
        {
            CheckClass(c, nameof(c));
            long sum = 0;
            for (int i = 0; i < Classes; i++) sum += _counts[i * Classes + c];
            return sum;
        }

        /// <summary>Precision of class <paramref name="c"/>: TP / (TP + FP); 0 when the class was never predicted.</summary>
        /// <param name="c">Class index.</param>
        /// <returns>A value in [0, 1].</returns>
        public double Precision(int c) => MetricGuard.Ratio(TruePositives(c), PredictedCount(c));

        /// <summary>Recall of class <paramref name="c"/>: TP / (TP + FN); 0 when the class never occurs.</summary>
        /// <param name="c">Class index.</param>
        /// <returns>A value in [0, 1].</returns>
        public double Recall(int c) => MetricGuard.Ratio(TruePositives(c), Support(c));

        /// <summary>F1 of class <paramref name="c"/>: 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall; 0 when undefined.</summary>
        /// <param name="c">Class index.</param>
        /// <returns>A value in [0, 1].</returns>
        public double F1(int c) => MetricGuard.Ratio(2 * TruePositives(c), Support(c) + PredictedCount(c));

        /// <summary>Per-class precision, recall and F1 with their macro and micro averages.</summary>
        /// <returns>A snapshot of the current counts.</returns>
        public ClassificationReport Report() => ClassificationReport.From(this);

        /// <summary>
        /// The matrix as an aligned text table: one row per true class, one column per predicted class,
        /// right-aligned, with a header naming the axes.
        /// </summary>
        /// <param name="classNames">Optional names for the classes (one per class); class indices are used otherwise.</param>
        /// <returns>A multi-line string ending with a newline.</returns>
        /// <exception cref="ArgumentException"><paramref name="classNames"/> does not hold exactly <see cref="Classes"/> names.</exception>
        public string Format(IReadOnlyList<string>? classNames = null)
        {
            if (classNames is not null && classNames.Count != Classes)
            {
                throw new ArgumentException($"Expected {Classes} class names, got {classNames.Count}.", nameof(classNames));
            }

            CultureInfo inv = CultureInfo.InvariantCulture;
            var names = new string[Classes];
            for (int c = 0; c < Classes; c++) names[c] = classNames?[c] ?? c.ToString(inv);

            const string Corner = "true \\ predicted";
            int rowHeader = Corner.Length;
            foreach (string n in names) rowHeader = Math.Max(rowHeader, n.Length);

            var widths = new int[Classes];
            for (int j = 0; j < Classes; j++)
            {
                int w = names[j].Length;
                for (int i = 0; i < Classes; i++) w = Math.Max(w, _counts[i * Classes + j].ToString(inv).Length);
                widths[j] = w;
            }

            var sb = new StringBuilder();
            sb.Append(Corner.PadLeft(rowHeader));
            for (int j = 0; j < Classes; j++) sb.Append("  ").Append(names[j].PadLeft(widths[j]));
            sb.Append('\n');
            for (int i = 0; i < Classes; i++)
            {
                sb.Append(names[i].PadLeft(rowHeader));
                for (int j = 0; j < Classes; j++) sb.Append("  ").Append(_counts[i * Classes + j].ToString(inv).PadLeft(widths[j]));
                sb.Append('\n');
            }

            return sb.ToString();
        }

        /// <summary>The matrix as an aligned text table with class indices as names; see <see cref="Format"/>.</summary>
        /// <returns>A multi-line string.</returns>
        public override string ToString() => Format();

        private void CheckClass(int c, string name)
        {
            if ((uint)c >= (uint)Classes) throw new ArgumentOutOfRangeException(name, c, $"Class must be between 0 and {Classes - 1}.");
        }
    }
}
