using System;
using System.Collections.Generic;

namespace CnnGen.Metrics
{
    /// <summary>
    /// COCO-style mAP: the mAP at each IoU threshold 0.50, 0.55, ..., 0.95, and their mean.
    /// </summary>
    public sealed class CocoReport
    {
        internal CocoReport(DetectionReport[] perThreshold)
        {
            PerThreshold = perThreshold;
            double sum = 0;
            foreach (DetectionReport r in perThreshold) sum += r.MeanAveragePrecision;
            MeanAveragePrecision = sum / perThreshold.Length;
        }

        /// <summary>The ten reports, by ascending threshold.</summary>
        public IReadOnlyList<DetectionReport> PerThreshold { get; }

        /// <summary>mAP@[.50:.05:.95]: the mean of the ten per-threshold mAP values (the same class set at every threshold).</summary>
        public double MeanAveragePrecision { get; }

        /// <summary>mAP at IoU 0.50.</summary>
        public double MeanAveragePrecision50 => PerThreshold[0].MeanAveragePrecision;

        /// <summary>mAP at IoU 0.75.</summary>
        public double MeanAveragePrecision75 => PerThreshold[5].MeanAveragePrecision;

        /// <summary>The AP of one class averaged over the ten thresholds.</summary>
        /// <param name="classId">Class identifier.</param>
        /// <returns>The mean AP; 0 when the class has no ground truth or does not occur.</returns>
        public double AveragePrecisionOf(int classId)
        {
            double sum = 0;
            foreach (DetectionReport r in PerThreshold)
            {
                foreach (ClassAveragePrecision c in r.Classes)
                {
                    if (c.Class == classId) sum += c.AveragePrecision;
                }
            }

            return sum / PerThreshold.Count;
        }

        /// <summary>The summary line: mAP@[.50:.95], mAP@.50 and mAP@.75.</summary>
        /// <returns>One line of text.</returns>
        public override string ToString()
            => string.Format(System.Globalization.CultureInfo.InvariantCulture, "mAP@[.50:.95] = {0:F4}, mAP@.50 = {1:F4}, mAP@.75 = {2:F4}", MeanAveragePrecision, MeanAveragePrecision50, MeanAveragePrecision75);
    }
}
