using System;
using System.Collections.Generic;

namespace CnnGen.Metrics
{
    /// <summary>
    /// Mean average precision (mAP) of an object detector: match detections to ground truth, build one
    /// precision-recall curve per class over all images, take each class's AP, and average over classes.
    /// </summary>
    /// <remarks>
    /// <para>A class with ground truth but no detections has AP 0 and counts in the mean.</para>
    /// <para>A class with detections but no ground truth is left out of the mean (its recall is undefined);
    /// it still appears in <see cref="DetectionReport.Classes"/>, with <see cref="ClassAveragePrecision.IsIncludedInMean"/> false.</para>
    /// <para>With no ground truth at all the mAP is 0 and <see cref="DetectionReport.IncludedClasses"/> is 0.</para>
    /// <para>The COCO variant averages over IoU thresholds only; COCO's area ranges, 100-detection cap
    /// and crowd regions are not modelled.</para>
    /// </remarks>
    public static class MeanAveragePrecision
    {
        /// <summary>The IoU thresholds of COCO's mAP: 0.50, 0.55, ..., 0.95.</summary>
        /// <returns>A new array of ten thresholds.</returns>
        public static double[] CocoIouThresholds()
        {
            var t = new double[10];
            for (int i = 0; i < t.Length; i++) t[i] = (50 + 5 * i) / 100.0;
            return t;
        }

        /// <summary>Per-class AP and mAP at one IoU threshold.</summary>
        /// <param name="detections">Predicted boxes of all images and classes.</param>
        /// <param name="groundTruths">Annotated boxes of all images and classes.</param>
        /// <param name="iouThreshold">Minimum IoU for a match, in (0, 1]; 0.5 by default.</param>
        /// <param name="interpolation">AP interpolation; all-point (VOC 2010+) by default.</param>
        /// <param name="rule">Matching rule; PASCAL VOC's by default.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">See <see cref="DetectionMatcher.Match"/>.</exception>
        public static DetectionReport Evaluate(ReadOnlySpan<Detection> detections, ReadOnlySpan<GroundTruth> groundTruths, double iouThreshold = 0.5, ApInterpolation interpolation = ApInterpolation.AllPoint, MatchingRule rule = MatchingRule.Pascal)
            => FromMatches(DetectionMatcher.Match(detections, groundTruths, iouThreshold, rule), interpolation);

        /// <summary>Per-class AP and mAP from detections already matched.</summary>
        /// <param name="matches">The outcome of <see cref="DetectionMatcher.Match"/>.</param>
        /// <param name="interpolation">AP interpolation.</param>
        /// <returns>The report.</returns>
        public static DetectionReport FromMatches(DetectionMatches matches, ApInterpolation interpolation = ApInterpolation.AllPoint)
        {
            ArgumentNullException.ThrowIfNull(matches);
            var classes = new List<ClassAveragePrecision>();
            foreach (int c in matches.Classes)
            {
                PrCurve curve = matches.Curve(c);
                classes.Add(new ClassAveragePrecision(c, curve.GroundTruthCount, curve.Count, AveragePrecision.Compute(curve, interpolation), curve));
            }

            return new DetectionReport(matches.IouThreshold, interpolation, matches.Rule, classes.ToArray());
        }

        /// <summary>
        /// The mAP of per-class curves built from detections already marked true or false positive
        /// (see <see cref="PrCurve.FromMarked"/>): the mean AP over the curves whose ground-truth count is
        /// above 0; curves without ground truth are left out. 0 when no curve has ground truth.
        /// </summary>
        /// <param name="curves">One curve per class.</param>
        /// <param name="interpolation">AP interpolation; all-point (VOC 2010+) by default.</param>
        /// <returns>The mAP.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="curves"/> or one of its curves is null.</exception>
        public static double FromCurves(IEnumerable<PrCurve> curves, ApInterpolation interpolation = ApInterpolation.AllPoint)
        {
            ArgumentNullException.ThrowIfNull(curves);
            double sum = 0;
            int included = 0;
            foreach (PrCurve curve in curves)
            {
                ArgumentNullException.ThrowIfNull(curve);
                if (curve.GroundTruthCount == 0) continue;
                sum += AveragePrecision.Compute(curve, interpolation);
                included++;
            }

            return included == 0 ? 0.0 : sum / included;
        }

        /// <summary>
        /// COCO-style mAP: <see cref="Evaluate"/> at IoU 0.50, 0.55, ..., 0.95, averaged.
        /// </summary>
        /// <param name="detections">Predicted boxes of all images and classes.</param>
        /// <param name="groundTruths">Annotated boxes of all images and classes.</param>
        /// <param name="interpolation">AP interpolation; COCO's 101-point by default.</param>
        /// <param name="rule">Matching rule; COCO's by default.</param>
        /// <returns>The report with all ten thresholds.</returns>
        /// <exception cref="ArgumentException">See <see cref="DetectionMatcher.Match"/>.</exception>
        public static CocoReport EvaluateCoco(ReadOnlySpan<Detection> detections, ReadOnlySpan<GroundTruth> groundTruths, ApInterpolation interpolation = ApInterpolation.HundredOnePoint, MatchingRule rule = MatchingRule.Coco)
        {
            double[] thresholds = CocoIouThresholds();
            var reports = new DetectionReport[thresholds.Length];
            for (int i = 0; i < thresholds.Length; i++)
            {
                reports[i] = Evaluate(detections, groundTruths, thresholds[i], interpolation, rule);
            }

            return new CocoReport(reports);
        }
    }
}
