namespace CnnGen.Metrics
{
    /// <summary>How a detection picks its ground truth when several overlap it.</summary>
    public enum MatchingRule
    {
        /// <summary>
        /// PASCAL VOC: the detection looks at the ground truth with the highest IoU (first in input order
        /// on ties). It is a true positive when that IoU reaches the threshold and that ground truth is
        /// still free; if it is already taken the detection is a duplicate, a false positive.
        /// </summary>
        Pascal,

        /// <summary>
        /// COCO: the detection takes the still-free ground truth with the highest IoU at or above the
        /// threshold (first in input order on ties); it is a false positive only when no free ground truth qualifies.
        /// </summary>
        Coco,
    }
}
