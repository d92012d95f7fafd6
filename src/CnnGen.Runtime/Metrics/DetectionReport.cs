using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Metrics
{
    /// <summary>Per-class AP and their mean (mAP) at one IoU threshold.</summary>
    public sealed class DetectionReport
    {
        internal DetectionReport(double iouThreshold, ApInterpolation interpolation, MatchingRule rule, ClassAveragePrecision[] classes)
        {
            IouThreshold = iouThreshold;
            Interpolation = interpolation;
            Rule = rule;
            Classes = classes;
            double sum = 0;
            int included = 0;
            foreach (ClassAveragePrecision c in classes)
            {
                if (!c.IsIncludedInMean) continue;
                sum += c.AveragePrecision;
                included++;
            }

            IncludedClasses = included;
            MeanAveragePrecision = included == 0 ? 0.0 : sum / included;
        }

        /// <summary>The IoU threshold detections were matched at.</summary>
        public double IouThreshold { get; }

        /// <summary>The AP interpolation used.</summary>
        public ApInterpolation Interpolation { get; }

        /// <summary>The matching rule used.</summary>
        public MatchingRule Rule { get; }

        /// <summary>Every class that has a detection or a ground truth, by ascending class identifier.</summary>
        public IReadOnlyList<ClassAveragePrecision> Classes { get; }

        /// <summary>Number of classes with at least one ground-truth object: the classes the mean is taken over.</summary>
        public int IncludedClasses { get; }

        /// <summary>
        /// The mean AP over the classes that have ground truth; classes with detections but no ground truth
        /// are left out. 0 when no class has ground truth.
        /// </summary>
        public double MeanAveragePrecision { get; }

        /// <summary>A text table: one line per class, then the mean.</summary>
        /// <returns>A multi-line string.</returns>
        public override string ToString()
        {
            CultureInfo inv = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append(string.Format(inv, "IoU >= {0:0.00}, {1} interpolation\n", IouThreshold, Interpolation));
            sb.Append("class  ground truth  detections      AP\n");
            foreach (ClassAveragePrecision c in Classes)
            {
                string ap = c.IsIncludedInMean ? c.AveragePrecision.ToString("F4", inv) : "  (excluded)";
                sb.Append(string.Format(inv, "{0,5}  {1,12}  {2,10}  {3,6}\n", c.Class, c.GroundTruthCount, c.DetectionCount, ap));
            }

            sb.Append(string.Format(inv, "mAP over {0} classes: {1:F4}\n", IncludedClasses, MeanAveragePrecision));
            return sb.ToString();
        }
    }
}
