using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Metrics
{
    /// <summary>
    /// A precision-recall curve: detections ranked by descending confidence (ties keep their input
    /// order), each marked true or false positive, with the cumulative TP and FP counts and the
    /// precision <c>TP/(TP+FP)</c> and recall <c>TP/G</c> after each rank, where <c>G</c> is the number of
    /// ground-truth objects. Rank <c>k</c> of every list is the same detection.
    /// </summary>
    /// <remarks>
    /// When <see cref="GroundTruthCount"/> is 0 every recall is 0 and the average precision is 0;
    /// <see cref="MeanAveragePrecision"/> leaves such classes out of the mean.
    /// </remarks>
    public sealed class PrCurve
    {
        private readonly int[] _sourceIndices;
        private readonly float[] _confidences;
        private readonly bool[] _isTruePositive;
        private readonly int[] _cumulativeTp;
        private readonly int[] _cumulativeFp;
        private readonly double[] _precision;
        private readonly double[] _recall;

        private PrCurve(int[] order, ReadOnlySpan<float> confidences, ReadOnlySpan<bool> isTruePositive, int groundTruthCount)
        {
            int n = order.Length;
            GroundTruthCount = groundTruthCount;
            _sourceIndices = order;
            _confidences = new float[n];
            _isTruePositive = new bool[n];
            _cumulativeTp = new int[n];
            _cumulativeFp = new int[n];
            _precision = new double[n];
            _recall = new double[n];
            int tp = 0, fp = 0;
            for (int k = 0; k < n; k++)
            {
                int src = order[k];
                _confidences[k] = confidences[src];
                bool hit = isTruePositive[src];
                _isTruePositive[k] = hit;
                if (hit) tp++;
                else fp++;
                _cumulativeTp[k] = tp;
                _cumulativeFp[k] = fp;
                _precision[k] = (double)tp / (tp + fp);
                _recall[k] = MetricGuard.Ratio(tp, groundTruthCount);
            }
        }

        /// <summary>
        /// Builds the curve from detections already marked true or false positive, in any order.
        /// This is the form of the worked example in the notes (15 plates, 10 marked detections).
        /// </summary>
        /// <param name="confidences">Confidence of each detection; NaN is rejected.</param>
        /// <param name="isTruePositive">Whether each detection is a true positive; same length as <paramref name="confidences"/>.</param>
        /// <param name="groundTruthCount">Number of ground-truth objects, at least the number of true positives.</param>
        /// <returns>The curve; empty (no ranks) when there are no detections.</returns>
        /// <exception cref="ArgumentException">The lengths differ, a confidence is NaN (the message names its index),
        /// or there are more true positives than ground-truth objects.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="groundTruthCount"/> is negative.</exception>
        public static PrCurve FromMarked(ReadOnlySpan<float> confidences, ReadOnlySpan<bool> isTruePositive, int groundTruthCount)
        {
            MetricGuard.SameLength(confidences.Length, isTruePositive.Length, nameof(confidences), nameof(isTruePositive));
            if (groundTruthCount < 0) throw new ArgumentOutOfRangeException(nameof(groundTruthCount), groundTruthCount, "The ground-truth count cannot be negative.");
            MetricGuard.NotNaN(confidences, nameof(confidences));
            int tp = 0;
            foreach (bool b in isTruePositive) if (b) tp++;
            if (tp > groundTruthCount)
            {
                throw new ArgumentException($"{tp} detections are marked true positive but there are only {groundTruthCount} ground-truth objects.", nameof(groundTruthCount));
            }

            return new PrCurve(Ranking.ByConfidenceDescending(confidences), confidences, isTruePositive, groundTruthCount);
        }

        /// <summary>Number of ground-truth objects (the recall denominator).</summary>
        public int GroundTruthCount { get; }

        /// <summary>Number of ranked detections.</summary>
        public int Count => _confidences.Length;

        /// <summary>For each rank, the index of that detection in the input.</summary>
        public IReadOnlyList<int> SourceIndices => _sourceIndices;

        /// <summary>Confidence at each rank (descending).</summary>
        public IReadOnlyList<float> Confidences => _confidences;

        /// <summary>Whether the detection at each rank is a true positive.</summary>
        public IReadOnlyList<bool> IsTruePositive => _isTruePositive;

        /// <summary>True positives among ranks 1..k.</summary>
        public IReadOnlyList<int> CumulativeTruePositives => _cumulativeTp;

        /// <summary>False positives among ranks 1..k.</summary>
        public IReadOnlyList<int> CumulativeFalsePositives => _cumulativeFp;

        /// <summary>Precision after each rank: cumulative TP / k.</summary>
        public IReadOnlyList<double> Precision => _precision;

        /// <summary>Recall after each rank: cumulative TP / <see cref="GroundTruthCount"/> (0 when that is 0).</summary>
        public IReadOnlyList<double> Recall => _recall;

        /// <summary>Total true positives.</summary>
        public int TruePositives => Count == 0 ? 0 : _cumulativeTp[Count - 1];

        /// <summary>Total false positives.</summary>
        public int FalsePositives => Count == 0 ? 0 : _cumulativeFp[Count - 1];

        /// <summary>
        /// The monotone precision envelope used by all-point interpolation: at rank k, the largest
        /// precision at rank k or later.
        /// </summary>
        /// <returns>A new array with one value per rank.</returns>
        public double[] InterpolatedPrecision()
        {
            var env = new double[Count];
            double max = 0;
            for (int k = Count - 1; k >= 0; k--)
            {
                max = Math.Max(max, _precision[k]);
                env[k] = max;
            }

            return env;
        }

        /// <summary>The average precision of this curve; see <see cref="Metrics.AveragePrecision.Compute"/>.</summary>
        /// <param name="interpolation">How to interpolate; all-point (VOC 2010+) by default.</param>
        /// <returns>A value in [0, 1]; 0 when there are no detections or no ground truth.</returns>
        public double AveragePrecision(ApInterpolation interpolation = ApInterpolation.AllPoint)
            => Metrics.AveragePrecision.Compute(this, interpolation);

        /// <summary>
        /// The curve as an aligned text table, one line per rank, in the layout of the notes' worked
        /// example: rank, confidence, TP/FP, cumulative TP and FP, precision and recall (as fractions and decimals).
        /// </summary>
        /// <returns>A multi-line string ending with a newline.</returns>
        public string Format()
        {
            CultureInfo inv = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append("rank  confidence  TP/FP  cum TP  cum FP       precision          recall\n");
            for (int k = 0; k < Count; k++)
            {
                int tp = _cumulativeTp[k];
                string p = string.Format(inv, "{0}/{1} = {2:F3}", tp, k + 1, _precision[k]);
                string r = string.Format(inv, "{0}/{1} = {2:F3}", tp, GroundTruthCount, _recall[k]);
                sb.Append(string.Format(inv, "{0,4}  {1,10:G6}  {2,5}  {3,6}  {4,6}  {5,14}  {6,14}\n",
                    k + 1, _confidences[k], _isTruePositive[k] ? "TP" : "FP", tp, _cumulativeFp[k], p, r));
            }

            return sb.ToString();
        }

        /// <summary>The table of <see cref="Format"/>.</summary>
        /// <returns>A multi-line string.</returns>
        public override string ToString() => Format();
    }
}
