namespace CnnGen.Metrics
{
    /// <summary>How average precision is read off a precision-recall curve.</summary>
    /// <remarks>
    /// With ranks <c>k = 1..n</c>, precision <c>P_k</c>, recall <c>R_k</c> (<c>R_0 = 0</c>) and the
    /// interpolated precision <c>P_interp(r) = max { P_k : R_k &gt;= r }</c> (0 when no rank reaches <c>r</c>).
    /// </remarks>
    public enum ApInterpolation
    {
        /// <summary>
        /// All-point interpolation (PASCAL VOC 2010 and later): the area under the monotone envelope,
        /// <c>sum_k (R_k - R_{k-1}) * max_{j &gt;= k} P_j</c>.
        /// </summary>
        AllPoint,

        /// <summary>11-point interpolation (PASCAL VOC 2007): the mean of <c>P_interp(r)</c> for <c>r = 0, 0.1, ..., 1</c>.</summary>
        ElevenPoint,

        /// <summary>101-point interpolation (COCO): the mean of <c>P_interp(r)</c> for <c>r = 0, 0.01, ..., 1</c>.</summary>
        HundredOnePoint,

        /// <summary>
        /// No interpolation: the step-wise sum <c>sum_k (R_k - R_{k-1}) * P_k</c>, as scikit-learn's
        /// <c>average_precision_score</c> computes it (for scores without ties).
        /// </summary>
        None,
    }
}
