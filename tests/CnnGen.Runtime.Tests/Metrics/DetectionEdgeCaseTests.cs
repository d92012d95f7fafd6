using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

public class DetectionEdgeCaseTests
{
    private static readonly BoundingBox Unit = new(0, 0, 1, 1);

    [Fact]
    public void Nan_confidence_names_the_detection()
    {
        var dets = new[] { new Detection(0, 0, 0.5f, Unit), new Detection(0, 0, 0.4f, Unit), new Detection(0, 0, float.NaN, Unit) };
        var ex = Assert.Throws<ArgumentException>(() => DetectionMatcher.Match(dets, ReadOnlySpan<GroundTruth>.Empty));
        Assert.Contains("detections[2]", ex.Message);
        Assert.Contains("NaN", ex.Message);
    }

    [Fact]
    public void Negative_box_size_names_the_index()
    {
        var dets = new[] { new Detection(0, 0, 0.5f, Unit), new Detection(0, 0, 0.4f, new BoundingBox(5, 0, 4, 1)) };
        var ex = Assert.Throws<ArgumentException>(() => DetectionMatcher.Match(dets, ReadOnlySpan<GroundTruth>.Empty));
        Assert.Contains("detections[1]", ex.Message);
        Assert.Contains("negative", ex.Message);

        var gts = new[] { new GroundTruth(0, 0, Unit), new GroundTruth(0, 0, new BoundingBox(0, 3, 1, 2)) };
        ex = Assert.Throws<ArgumentException>(() => MeanAveragePrecision.Evaluate(ReadOnlySpan<Detection>.Empty, gts));
        Assert.Contains("groundTruths[1]", ex.Message);
    }

    [Fact]
    public void Infinite_coordinates_and_bad_thresholds_are_rejected()
    {
        var gts = new[] { new GroundTruth(0, 0, new BoundingBox(0, 0, float.PositiveInfinity, 1)) };
        Assert.Throws<ArgumentException>(() => DetectionMatcher.Match(ReadOnlySpan<Detection>.Empty, gts));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMatcher.Match(ReadOnlySpan<Detection>.Empty, ReadOnlySpan<GroundTruth>.Empty, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMatcher.Match(ReadOnlySpan<Detection>.Empty, ReadOnlySpan<GroundTruth>.Empty, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMatcher.Match(ReadOnlySpan<Detection>.Empty, ReadOnlySpan<GroundTruth>.Empty, 1.5));
    }

    [Fact]
    public void Empty_input_gives_an_empty_report()
    {
        DetectionReport r = MeanAveragePrecision.Evaluate(ReadOnlySpan<Detection>.Empty, ReadOnlySpan<GroundTruth>.Empty);
        Assert.Empty(r.Classes);
        Assert.Equal(0, r.IncludedClasses);
        Assert.Equal(0.0, r.MeanAveragePrecision);
        Assert.Equal(0.0, MeanAveragePrecision.EvaluateCoco(ReadOnlySpan<Detection>.Empty, ReadOnlySpan<GroundTruth>.Empty).MeanAveragePrecision);
    }

    [Fact]
    public void No_detections_give_ap_zero_and_count_in_the_mean()
    {
        var gts = new[] { new GroundTruth(0, 0, Unit), new GroundTruth(1, 0, Unit) };
        DetectionReport r = MeanAveragePrecision.Evaluate(ReadOnlySpan<Detection>.Empty, gts);
        ClassAveragePrecision c = Assert.Single(r.Classes);
        Assert.Equal(2, c.GroundTruthCount);
        Assert.Equal(0, c.DetectionCount);
        Assert.Equal(0.0, c.AveragePrecision);
        Assert.True(c.IsIncludedInMean);
        Assert.Equal(1, r.IncludedClasses);
        Assert.Equal(0.0, r.MeanAveragePrecision);
    }

    [Fact]
    public void Class_without_ground_truth_is_excluded_from_the_mean()
    {
        // Class 0: one perfect hit (AP 1). Class 1: ground truth, missed (AP 0). Class 5: detections only.
        var gts = new[] { new GroundTruth(0, 0, Unit), new GroundTruth(0, 1, Unit) };
        var dets = new[] { new Detection(0, 0, 0.9f, Unit), new Detection(0, 5, 0.99f, Unit), new Detection(0, 5, 0.8f, Unit) };
        DetectionReport r = MeanAveragePrecision.Evaluate(dets, gts);
        Assert.Equal(new[] { 0, 1, 5 }, r.Classes.Select(c => c.Class));
        ClassAveragePrecision c5 = r.Classes[2];
        Assert.False(c5.IsIncludedInMean);
        Assert.Equal(2, c5.DetectionCount);
        Assert.Equal(2, r.IncludedClasses);
        // (1 + 0) / 2; including class 5 (AP 0) would give 1/3.
        Assert.Equal(0.5, r.MeanAveragePrecision, 12);
        Assert.Contains("(excluded)", r.ToString());
    }

    [Fact]
    public void Image_without_ground_truth_only_adds_false_positives()
    {
        var gts = new[] { new GroundTruth(7, 0, Unit) };
        var dets = new[] { new Detection(7, 0, 0.5f, Unit), new Detection(8, 0, 0.9f, Unit) };
        DetectionReport r = MeanAveragePrecision.Evaluate(dets, gts);
        // Ranked: FP (image 8, 0.9), TP (image 7, 0.5): P = 0, 1/2; AP = 1 * max(1/2) = 1/2.
        Assert.Equal(new[] { false, true }, r.Classes[0].Curve.IsTruePositive);
        Assert.Equal(0.5, r.MeanAveragePrecision, 12);
    }
}
