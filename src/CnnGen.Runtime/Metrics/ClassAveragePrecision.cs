namespace CnnGen.Metrics
{
    /// <summary>The average precision of one class at one IoU threshold, with its curve.</summary>
    /// <param name="Class">Class identifier.</param>
    /// <param name="GroundTruthCount">Number of ground-truth objects of the class.</param>
    /// <param name="DetectionCount">Number of detections of the class.</param>
    /// <param name="AveragePrecision">The AP; 0 when the class has no detections or no ground truth.</param>
    /// <param name="Curve">The precision-recall curve the AP was taken from.</param>
    public sealed record ClassAveragePrecision(int Class, int GroundTruthCount, int DetectionCount, double AveragePrecision, PrCurve Curve)
    {
        /// <summary>Whether the class counts in the mean: only classes with at least one ground-truth object do.</summary>
        public bool IsIncludedInMean => GroundTruthCount > 0;
    }
}
