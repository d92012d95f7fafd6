using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Metrics
{
    /// <summary>
    /// Per-class precision, recall and F1, with macro and micro averages, taken from a
    /// <see cref="ConfusionMatrix"/>.
    /// </summary>
    /// <remarks>
    /// <para>A ratio with a zero denominator is 0 (scikit-learn's <c>zero_division=0</c>).</para>
    /// <para>Macro averages are the unweighted mean over the classes that occur at least once among the
    /// labels or the predictions (scikit-learn's default label set); classes absent from both are left
    /// out. The macro F1 is the mean of the per-class F1 values, not the F1 of the macro precision and recall.</para>
    /// <para>Micro averages pool TP, FP and FN over all classes. For single-label data every error is
    /// one FP and one FN, so micro precision = micro recall = micro F1 = accuracy.</para>
    /// </remarks>
    public sealed class ClassificationReport
    {
        private readonly double[] _precision;
        private readonly double[] _recall;
        private readonly double[] _f1;
        private readonly long[] _support;

        private ClassificationReport(ConfusionMatrix matrix)
        {
            int k = matrix.Classes;
            Classes = k;
            _precision = new double[k];
            _recall = new double[k];
            _f1 = new double[k];
            _support = new long[k];
            long tp = 0, fp = 0, fn = 0;
            int present = 0;
            double sumP = 0, sumR = 0, sumF = 0;
            for (int c = 0; c < k; c++)
            {
                _precision[c] = matrix.Precision(c);
                _recall[c] = matrix.Recall(c);
                _f1[c] = matrix.F1(c);
                _support[c] = matrix.Support(c);
                tp += matrix.TruePositives(c);
                fp += matrix.FalsePositives(c);
                fn += matrix.FalseNegatives(c);
                if (_support[c] > 0 || matrix.PredictedCount(c) > 0)
                {
                    present++;
                    sumP += _precision[c];
                    sumR += _recall[c];
                    sumF += _f1[c];
                }
            }

            Total = matrix.Total;
            Accuracy = matrix.Accuracy;
            AveragedClasses = present;
            MacroPrecision = present == 0 ? 0 : sumP / present;
            MacroRecall = present == 0 ? 0 : sumR / present;
            MacroF1 = present == 0 ? 0 : sumF / present;
            MicroPrecision = MetricGuard.Ratio(tp, tp + fp);
            MicroRecall = MetricGuard.Ratio(tp, tp + fn);
            MicroF1 = MetricGuard.Ratio(2 * tp, 2 * tp + fp + fn);
        }

        /// <summary>Builds the report from the current counts of <paramref name="matrix"/>.</summary>
        /// <param name="matrix">The confusion matrix.</param>
        /// <returns>A snapshot; later additions to the matrix do not change it.</returns>
        public static ClassificationReport From(ConfusionMatrix matrix)
        {
            ArgumentNullException.ThrowIfNull(matrix);
            return new ClassificationReport(matrix);
        }

        /// <summary>Builds the report from predicted classes and labels.</summary>
        /// <param name="predicted">Predicted class per sample.</param>
        /// <param name="labels">True class per sample.</param>
        /// <param name="classes">Number of classes.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The lengths differ or a class is out of range.</exception>
        public static ClassificationReport FromPredictions(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels, int classes)
        {
            var m = new ConfusionMatrix(classes);
            m.Add(predicted, labels);
            return new ClassificationReport(m);
        }

        /// <summary>Builds the report from row-major logits (arg-max per row) and labels.</summary>
        /// <param name="logits">Row-major batch x classes logits.</param>
        /// <param name="labels">True class per row.</param>
        /// <param name="classes">Number of classes.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The shapes differ, a label is out of range, or a logit is NaN.</exception>
        public static ClassificationReport FromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            var m = new ConfusionMatrix(classes);
            m.AddLogits(logits, labels);
            return new ClassificationReport(m);
        }

        /// <summary>Number of classes.</summary>
        public int Classes { get; }

        /// <summary>Number of samples counted.</summary>
        public long Total { get; }

        /// <summary>Fraction of samples classified correctly.</summary>
        public double Accuracy { get; }

        /// <summary>Precision per class.</summary>
        public IReadOnlyList<double> Precision => _precision;

        /// <summary>Recall per class.</summary>
        public IReadOnlyList<double> Recall => _recall;

        /// <summary>F1 per class.</summary>
        public IReadOnlyList<double> F1 => _f1;

        /// <summary>Number of samples of each true class.</summary>
        public IReadOnlyList<long> Support => _support;

        /// <summary>Number of classes the macro averages are taken over (those seen in labels or predictions).</summary>
        public int AveragedClasses { get; }

        /// <summary>Unweighted mean of the per-class precision over <see cref="AveragedClasses"/> classes.</summary>
        public double MacroPrecision { get; }

        /// <summary>Unweighted mean of the per-class recall over <see cref="AveragedClasses"/> classes.</summary>
        public double MacroRecall { get; }

        /// <summary>Unweighted mean of the per-class F1 over <see cref="AveragedClasses"/> classes.</summary>
        public double MacroF1 { get; }

        /// <summary>Pooled precision: sum TP / sum (TP + FP).</summary>
        public double MicroPrecision { get; }

        /// <summary>Pooled recall: sum TP / sum (TP + FN).</summary>
        public double MicroRecall { get; }

        /// <summary>Pooled F1: 2 sum TP / (2 sum TP + sum FP + sum FN).</summary>
        public double MicroF1 { get; }

        /// <summary>A text table with one line per class and lines for the macro and micro averages.</summary>
        /// <returns>A multi-line string.</returns>
        public override string ToString()
        {
            CultureInfo inv = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append("class  precision  recall      f1  support\n");
            for (int c = 0; c < Classes; c++)
            {
                sb.Append(string.Format(inv, "{0,5}  {1,9:F4}  {2,6:F4}  {3,6:F4}  {4,7}\n", c, _precision[c], _recall[c], _f1[c], _support[c]));
            }

            sb.Append(string.Format(inv, "macro  {0,9:F4}  {1,6:F4}  {2,6:F4}  {3,7}\n", MacroPrecision, MacroRecall, MacroF1, Total));
            sb.Append(string.Format(inv, "micro  {0,9:F4}  {1,6:F4}  {2,6:F4}  {3,7}\n", MicroPrecision, MicroRecall, MicroF1, Total));
            return sb.ToString();
        }
    }
}
