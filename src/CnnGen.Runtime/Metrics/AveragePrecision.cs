using System;

namespace CnnGen.Metrics
{
    /// <summary>
    /// Average precision (AP): a single number for the area under a precision-recall curve, under one
    /// of the interpolations of <see cref="ApInterpolation"/>.
    /// </summary>
    /// <remarks>
    /// AP is 0 when there are no detections or no ground-truth objects. Recall thresholds of the 11-
    /// and 101-point variants are compared in exact integer arithmetic (<c>N * TP_k &gt;= i * G</c>), so
    /// a recall of exactly 0.4 does reach the 0.4 threshold.
    /// </remarks>
    public static class AveragePrecision
    {
        /// <summary>The AP of <paramref name="curve"/>.</summary>
        /// <param name="curve">The precision-recall curve.</param>
        /// <param name="interpolation">How to interpolate.</param>
        /// <returns>A value in [0, 1].</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="interpolation"/> is not a defined value.</exception>
        public static double Compute(PrCurve curve, ApInterpolation interpolation = ApInterpolation.AllPoint)
        {
            ArgumentNullException.ThrowIfNull(curve);
            int g = curve.GroundTruthCount;
            int n = curve.Count;
            switch (interpolation)
            {
                case ApInterpolation.None:
                case ApInterpolation.AllPoint:
                case ApInterpolation.ElevenPoint:
                case ApInterpolation.HundredOnePoint:
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Unknown interpolation.");
            }

            if (g == 0 || n == 0) return 0.0;

            if (interpolation == ApInterpolation.None)
            {
                // sum_k (R_k - R_{k-1}) P_k: recall rises by 1/G exactly at the true positives.
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    if (curve.IsTruePositive[k]) sum += curve.Precision[k];
                }

                return sum / g;
            }

            double[] envelope = curve.InterpolatedPrecision();
            if (interpolation == ApInterpolation.AllPoint)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    if (curve.IsTruePositive[k]) sum += envelope[k];
                }

                return sum / g;
            }

            int steps = interpolation == ApInterpolation.ElevenPoint ? 10 : 100;
            double total = 0;
            int rank = 0;
            for (int i = 0; i <= steps; i++)
            {
                // First rank whose recall TP_k / G reaches i / steps; recall never decreases, so the search only moves forward.
                while (rank < n && (long)steps * curve.CumulativeTruePositives[rank] < (long)i * g) rank++;
                if (rank == n) break;
                total += envelope[rank];
            }

            return total / (steps + 1);
        }

        /// <summary>
        /// The AP of detections already marked true or false positive (the notes' worked example form);
        /// shorthand for <see cref="PrCurve.FromMarked"/> followed by <see cref="Compute"/>.
        /// </summary>
        /// <param name="confidences">Confidence of each detection; NaN is rejected.</param>
        /// <param name="isTruePositive">Whether each detection is a true positive.</param>
        /// <param name="groundTruthCount">Number of ground-truth objects.</param>
        /// <param name="interpolation">How to interpolate.</param>
        /// <returns>A value in [0, 1].</returns>
        /// <exception cref="ArgumentException">See <see cref="PrCurve.FromMarked"/>.</exception>
        public static double FromMarked(ReadOnlySpan<float> confidences, ReadOnlySpan<bool> isTruePositive, int groundTruthCount, ApInterpolation interpolation = ApInterpolation.AllPoint)
            => Compute(PrCurve.FromMarked(confidences, isTruePositive, groundTruthCount), interpolation);
    }
}
