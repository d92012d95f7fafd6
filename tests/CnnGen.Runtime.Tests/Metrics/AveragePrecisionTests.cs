using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

public class AveragePrecisionTests
{
    [Fact]
    public void Interpolations_differ_when_precision_rises_again()
    {
        // Ranked TP, FP, TP, TP with G = 3: P = 1, 1/2, 2/3, 3/4; R = 1/3, 1/3, 2/3, 1.
        float[] conf = { 0.9f, 0.8f, 0.7f, 0.6f };
        bool[] tp = { true, false, true, true };
        PrCurve c = PrCurve.FromMarked(conf, tp, 3);

        // Uninterpolated: (1/3)(1 + 2/3 + 3/4) = 29/36.
        Assert.Equal(29.0 / 36, c.AveragePrecision(ApInterpolation.None), 12);
        // All-point: envelope at the TP ranks is 1, max(2/3, 3/4) = 3/4, 3/4 -> (1/3)(1 + 3/4 + 3/4) = 5/6.
        Assert.Equal(5.0 / 6, c.AveragePrecision(ApInterpolation.AllPoint), 12);
        // 11-point: r = 0..0.3 -> 1 (rank 1, R = 1/3); r = 0.4..1.0 -> 3/4 (rank 3 onwards, envelope 3/4).
        // (4 * 1 + 7 * 3/4) / 11 = (37/4) / 11 = 37/44.
        Assert.Equal(37.0 / 44, c.AveragePrecision(ApInterpolation.ElevenPoint), 12);
        Assert.Equal(new[] { 1.0, 0.75, 0.75, 0.75 }, c.InterpolatedPrecision());
    }

    [Fact]
    public void Missed_ground_truth_lowers_recall_and_ap()
    {
        // One TP and 4 objects: recall stops at 1/4; all-point AP = 1/4 * 1.
        PrCurve c = PrCurve.FromMarked(new[] { 0.5f }, new[] { true }, 4);
        Assert.Equal(0.25, c.Recall[0]);
        Assert.Equal(0.25, c.AveragePrecision(), 12);
        // 11-point: r = 0, 0.1, 0.2 reachable -> 3/11.
        Assert.Equal(3.0 / 11, c.AveragePrecision(ApInterpolation.ElevenPoint), 12);
    }

    [Fact]
    public void Equal_confidences_keep_input_order()
    {
        PrCurve c = PrCurve.FromMarked(new[] { 0.5f, 0.5f, 0.9f }, new[] { false, true, true }, 2);
        Assert.Equal(new[] { 2, 0, 1 }, c.SourceIndices);
        Assert.Equal(new[] { true, false, true }, c.IsTruePositive);
    }

    [Fact]
    public void No_detections_give_ap_zero()
    {
        PrCurve c = PrCurve.FromMarked(ReadOnlySpan<float>.Empty, ReadOnlySpan<bool>.Empty, 5);
        Assert.Equal(0, c.Count);
        foreach (ApInterpolation i in Enum.GetValues<ApInterpolation>()) Assert.Equal(0.0, c.AveragePrecision(i));
    }

    [Fact]
    public void No_ground_truth_gives_ap_zero()
    {
        PrCurve c = PrCurve.FromMarked(new[] { 0.3f, 0.2f }, new[] { false, false }, 0);
        Assert.Equal(new[] { 0.0, 0.0 }, c.Recall);
        Assert.Equal(0.0, c.AveragePrecision());
    }

    [Fact]
    public void Nan_confidence_is_rejected_with_its_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => PrCurve.FromMarked(new[] { 0.1f, 0.2f, 0.3f, float.NaN }, new bool[4], 3));
        Assert.Contains("[3]", ex.Message);
    }

    [Fact]
    public void More_true_positives_than_ground_truth_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => PrCurve.FromMarked(new[] { 0.1f, 0.2f }, new[] { true, true }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PrCurve.FromMarked(new[] { 0.1f }, new[] { false }, -1));
        Assert.Throws<ArgumentException>(() => PrCurve.FromMarked(new[] { 0.1f }, new[] { false, true }, 2));
    }

    [Fact]
    public void Map_of_marked_curves_skips_classes_without_ground_truth()
    {
        // Class a: TP, FP, TP, TP with G = 3 -> all-point AP 5/6 (worked out above).
        // Class b: one TP of two objects -> AP 1/2. Class c: only a false positive, no ground truth -> left out.
        PrCurve a = PrCurve.FromMarked(new[] { 0.9f, 0.8f, 0.7f, 0.6f }, new[] { true, false, true, true }, 3);
        PrCurve b = PrCurve.FromMarked(new[] { 0.4f }, new[] { true }, 2);
        PrCurve c = PrCurve.FromMarked(new[] { 0.4f }, new[] { false }, 0);
        // (5/6 + 1/2) / 2 = 2/3.
        Assert.Equal(2.0 / 3, MeanAveragePrecision.FromCurves(new[] { a, b, c }), 12);
        Assert.Equal(0.0, MeanAveragePrecision.FromCurves(new[] { c }));
        Assert.Equal(0.0, MeanAveragePrecision.FromCurves(Array.Empty<PrCurve>()));
    }
}
