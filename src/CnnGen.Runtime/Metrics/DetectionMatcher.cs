using System;
using System.Collections.Generic;

namespace CnnGen.Metrics
{
    /// <summary>
    /// Marks detections as true or false positives against ground truth, per image and class.
    /// </summary>
    /// <remarks>
    /// Detections are visited in descending confidence; equal confidences keep their input order. A
    /// detection can only match a ground truth of the same image and class whose IoU is at least the
    /// threshold. Each ground truth is matched at most once: a later detection of an already matched
    /// object (a duplicate) is a false positive. Which ground truth a detection tries is set by the
    /// <see cref="MatchingRule"/>. An image with detections but no ground truth yields only false positives.
    /// </remarks>
    public static class DetectionMatcher
    {
        /// <summary>Matches <paramref name="detections"/> to <paramref name="groundTruths"/> at one IoU threshold.</summary>
        /// <param name="detections">Predicted boxes of all images and classes, in any order.</param>
        /// <param name="groundTruths">Annotated boxes of all images and classes, in any order.</param>
        /// <param name="iouThreshold">Minimum IoU for a match, in (0, 1]; 0.5 is PASCAL VOC's.</param>
        /// <param name="rule">How a detection picks its ground truth; PASCAL VOC's by default.</param>
        /// <returns>The per-detection outcome. Both inputs may be empty.</returns>
        /// <exception cref="ArgumentException">A detection has a NaN confidence, or a box is not finite or has a negative
        /// width or height; the message names the index.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="iouThreshold"/> is outside (0, 1], or <paramref name="rule"/> is undefined.</exception>
        public static DetectionMatches Match(ReadOnlySpan<Detection> detections, ReadOnlySpan<GroundTruth> groundTruths, double iouThreshold = 0.5, MatchingRule rule = MatchingRule.Pascal)
        {
            if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(iouThreshold), iouThreshold, "The IoU threshold must be in (0, 1].");
            if (rule is not (MatchingRule.Pascal or MatchingRule.Coco)) throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown matching rule.");
            Validate(detections, groundTruths);

            var byImageClass = new Dictionary<(int Image, int Class), List<int>>();
            var counts = new SortedDictionary<int, int>();
            for (int g = 0; g < groundTruths.Length; g++)
            {
                GroundTruth gt = groundTruths[g];
                if (!byImageClass.TryGetValue((gt.Image, gt.Class), out List<int>? list))
                {
                    list = new List<int>();
                    byImageClass.Add((gt.Image, gt.Class), list);
                }

                list.Add(g);
                counts[gt.Class] = counts.TryGetValue(gt.Class, out int n) ? n + 1 : 1;
            }

            int count = detections.Length;
            var classes = new int[count];
            var confidences = new float[count];
            for (int i = 0; i < count; i++)
            {
                classes[i] = detections[i].Class;
                confidences[i] = detections[i].Confidence;
            }

            var isTp = new bool[count];
            var matched = new int[count];
            var bestIou = new double[count];
            var taken = new bool[groundTruths.Length];
            foreach (int d in Ranking.ByConfidenceDescending(confidences))
            {
                matched[d] = -1;
                Detection det = detections[d];
                if (!byImageClass.TryGetValue((det.Image, det.Class), out List<int>? candidates)) continue;

                int best = -1;
                double bestAny = 0;
                int bestFree = -1;
                double bestFreeIou = 0;
                foreach (int g in candidates)
                {
                    double iou = BoundingBox.Iou(det.Box, groundTruths[g].Box);
                    if (best < 0 || iou > bestAny)
                    {
                        bestAny = iou;
                        best = g;
                    }

                    if (!taken[g] && iou >= iouThreshold && iou > bestFreeIou)
                    {
                        bestFreeIou = iou;
                        bestFree = g;
                    }
                }

                bestIou[d] = bestAny;
                int chosen = rule == MatchingRule.Pascal
                    ? (bestAny >= iouThreshold && !taken[best] ? best : -1)
                    : bestFree;
                if (chosen >= 0)
                {
                    taken[chosen] = true;
                    isTp[d] = true;
                    matched[d] = chosen;
                }
            }

            return new DetectionMatches(iouThreshold, rule, classes, confidences, isTp, matched, bestIou, counts);
        }

        private static void Validate(ReadOnlySpan<Detection> detections, ReadOnlySpan<GroundTruth> groundTruths)
        {
            for (int i = 0; i < detections.Length; i++)
            {
                if (float.IsNaN(detections[i].Confidence))
                {
                    throw new ArgumentException($"detections[{i}].Confidence is NaN.", nameof(detections));
                }

                CheckBox(detections[i].Box, $"detections[{i}].Box", nameof(detections));
            }

            for (int i = 0; i < groundTruths.Length; i++)
            {
                CheckBox(groundTruths[i].Box, $"groundTruths[{i}].Box", nameof(groundTruths));
            }
        }

        private static void CheckBox(BoundingBox box, string what, string paramName)
        {
            if (box.IsValid) return;
            string why = !(float.IsFinite(box.Left) && float.IsFinite(box.Top) && float.IsFinite(box.Right) && float.IsFinite(box.Bottom))
                ? "has a coordinate that is not finite"
                : $"has a negative size (width {box.Width}, height {box.Height})";
            throw new ArgumentException($"{what} {why}: {box}.", paramName);
        }
    }
}
