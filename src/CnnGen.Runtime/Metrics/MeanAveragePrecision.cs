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
