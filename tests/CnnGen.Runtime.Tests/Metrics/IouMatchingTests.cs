using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

public class IouMatchingTests
{
    private static BoundingBox B(float l, float t, float r, float b) => new(l, t, r, b);

    [Fact]
    public void Iou_of_known_boxes()
    {
        // 2x2 squares shifted by (1, 1): intersection 1, union 4 + 4 - 1 = 7.
        Assert.Equal(1.0 / 7, BoundingBox.Iou(B(0, 0, 2, 2), B(1, 1, 3, 3)), 15);
        Assert.Equal(1.0, B(0, 0, 2, 2).Iou(B(0, 0, 2, 2)));
        // 2x2 inside 4x4: 4 / 16.
        Assert.Equal(0.25, BoundingBox.Iou(B(0, 0, 4, 4), B(1, 1, 3, 3)), 15);
        // Touching edges and disjoint boxes do not overlap.
        Assert.Equal(0.0, BoundingBox.Iou(B(0, 0, 2, 2), B(2, 0, 4, 2)));
        Assert.Equal(0.0, BoundingBox.Iou(B(0, 0, 1, 1), B(5, 5, 6, 6)));
        // Two zero-area boxes.
        Assert.Equal(0.0, BoundingBox.Iou(B(1, 1, 1, 1), B(1, 1, 1, 1)));
        // 10x10 and 10x20 sharing 10x10: 100 / 200.
        Assert.Equal(0.5, BoundingBox.Iou(B(20, 20, 30, 30), BoundingBox.FromSize(20, 20, 10, 20)));
        Assert.Equal(BoundingBox.Iou(B(0, 0, 2, 2), B(1, 1, 3, 3)), BoundingBox.Iou(B(1, 1, 3, 3), B(0, 0, 2, 2)));
    }

    [Fact]
    public void Box_size_and_validity()
    {
        BoundingBox b = BoundingBox.FromSize(1, 2, 3, 4);
        Assert.Equal(B(1, 2, 4, 6), b);
        Assert.Equal(3f, b.Width);
        Assert.Equal(4f, b.Height);
        Assert.Equal(12.0, b.Area);
        Assert.True(b.IsValid);
        Assert.False(B(2, 0, 1, 1).IsValid);
        Assert.False(B(0, 0, float.NaN, 1).IsValid);
    }

    // Ground truth (image, class, box) and detections; the expected outcome of each is worked out below.
    private static readonly GroundTruth[] Truths =
    {
        new(0, 0, B(0, 0, 10, 10)),   // g0
        new(0, 0, B(20, 20, 30, 30)), // g1
        new(0, 1, B(0, 0, 10, 10)),   // g2: class 1, same place as g0
        new(2, 0, B(0, 0, 10, 10)),   // g3: image 2, never detected
    };

    private static readonly Detection[] Dets =
    {
        new(0, 0, 0.90f, B(0, 0, 10, 10)),   // d0: IoU 1 with g0                        -> TP (g0)
        new(0, 0, 0.80f, B(1, 0, 10, 10)),   // d1: IoU 90/100 with g0, already taken    -> FP (duplicate)
        new(0, 0, 0.75f, B(25, 20, 35, 30)), // d2: IoU 50/150 = 1/3 with g1 < 0.5       -> FP (below threshold)
        new(0, 0, 0.70f, B(20, 20, 30, 40)), // d3: IoU 100/200 = 0.5 with g1 (>= 0.5)   -> TP (g1)
        new(0, 1, 0.95f, B(0, 0, 10, 10)),   // d4: class 1, IoU 1 with g2               -> TP (g2)
        new(0, 0, 0.50f, B(50, 50, 60, 60)), // d5: overlaps nothing                     -> FP
        new(1, 0, 0.99f, B(0, 0, 10, 10)),   // d6: image 1 has no ground truth          -> FP
    };

    [Fact]
    public void Duplicates_low_iou_classes_and_images_are_matched_by_hand()
    {
        DetectionMatches m = DetectionMatcher.Match(Dets, Truths, 0.5);
        Assert.Equal(new[] { true, false, false, true, true, false, false }, m.IsTruePositive);
        Assert.Equal(new[] { 0, -1, -1, 1, 2, -1, -1 }, m.MatchedGroundTruth);
        Assert.Equal(0.9, m.BestIou[1], 6);
        Assert.Equal(1.0 / 3, m.BestIou[2], 6);
        Assert.Equal(0.0, m.BestIou[6]);
        Assert.Equal(3, m.GroundTruthCount(0));
        Assert.Equal(1, m.GroundTruthCount(1));
        Assert.Equal(new[] { 0, 1 }, m.Classes);
    }

    [Fact]
    public void Class_curve_and_map_by_hand()
    {
        // Class 0, ranked by confidence: d6 FP (.99), d0 TP (.90), d1 FP (.80), d2 FP (.75), d3 TP (.70), d5 FP (.50); G = 3.
        // P = 0, 1/2, 1/3, 1/4, 2/5, 2/6; R = 0, 1/3, 1/3, 1/3, 2/3, 2/3.
        // All-point AP = (1/3) * (max(1/2, 1/3, 1/4, 2/5, 1/3) + max(2/5, 1/3)) = (1/3)(1/2 + 2/5) = 3/10.
        // Class 1: one TP of one object -> AP 1. mAP = (3/10 + 1) / 2 = 0.65.
        DetectionReport r = MeanAveragePrecision.Evaluate(Dets, Truths, 0.5);
        ClassAveragePrecision c0 = r.Classes.Single(c => c.Class == 0);
        Assert.Equal(new[] { 0, 1, 1, 1, 2, 2 }, c0.Curve.CumulativeTruePositives);
        Assert.Equal(new[] { 1, 1, 2, 3, 3, 4 }, c0.Curve.CumulativeFalsePositives);
        Assert.Equal(0.3, c0.AveragePrecision, 12);
        Assert.Equal(1.0, r.Classes.Single(c => c.Class == 1).AveragePrecision, 12);
        Assert.Equal(2, r.IncludedClasses);
        Assert.Equal(0.65, r.MeanAveragePrecision, 12);
        Assert.Contains("mAP over 2 classes: 0.6500", r.ToString());
    }

    [Fact]
    public void Lower_threshold_turns_the_low_iou_detection_into_a_match()
    {
        // At IoU >= 0.3, d2 (IoU 1/3) takes g1 first (higher confidence) and d3 becomes the duplicate.
        DetectionMatches m = DetectionMatcher.Match(Dets, Truths, 0.3);
        Assert.Equal(new[] { true, false, true, false, true, false, false }, m.IsTruePositive);
    }

    [Fact]
    public void Equal_confidences_are_matched_in_input_order()
    {
        var gt = new[] { new GroundTruth(0, 0, B(0, 0, 10, 10)) };
        var near = new Detection(0, 0, 0.6f, B(0, 0, 10, 8)); // IoU 0.8
        var exact = new Detection(0, 0, 0.6f, B(0, 0, 10, 10)); // IoU 1
        Assert.Equal(new[] { true, false }, DetectionMatcher.Match(new[] { near, exact }, gt).IsTruePositive);
        Assert.Equal(new[] { true, false }, DetectionMatcher.Match(new[] { exact, near }, gt).IsTruePositive);
    }

    [Fact]
    public void Pascal_and_coco_rules_differ_when_the_best_ground_truth_is_taken()
    {
        // gA = [0,10], gB = [5,15] (x), both 10 high. d1 = gA exactly -> takes gA.
        // d2 = [1,11]: IoU with gA = 90/110 = 0.818 (taken), with gB = 60/140 = 0.43 (free), threshold 0.4.
        var gt = new[] { new GroundTruth(0, 0, B(0, 0, 10, 10)), new GroundTruth(0, 0, B(5, 0, 15, 10)) };
        var dets = new[] { new Detection(0, 0, 0.9f, B(0, 0, 10, 10)), new Detection(0, 0, 0.8f, B(1, 0, 11, 10)) };
        // PASCAL: d2 looks only at its best ground truth, gA, which is taken -> duplicate, FP.
        Assert.Equal(new[] { true, false }, DetectionMatcher.Match(dets, gt, 0.4, MatchingRule.Pascal).IsTruePositive);
        // COCO: d2 takes the best free ground truth above the threshold, gB -> TP.
        DetectionMatches coco = DetectionMatcher.Match(dets, gt, 0.4, MatchingRule.Coco);
        Assert.Equal(new[] { true, true }, coco.IsTruePositive);
        Assert.Equal(new[] { 0, 1 }, coco.MatchedGroundTruth);
    }

    [Fact]
    public void Coco_map_averages_over_ten_thresholds()
    {
        // One object, one detection with IoU 80/100 = 0.8: a hit at 0.50, 0.55, ..., 0.80 (7 thresholds),
        // a miss at 0.85, 0.90, 0.95. AP is 1 or 0 at each, so mAP@[.50:.95] = 7/10.
        var gt = new[] { new GroundTruth(0, 3, B(0, 0, 10, 10)) };
        var det = new[] { new Detection(0, 3, 0.7f, B(0, 0, 10, 8)) };
        CocoReport r = MeanAveragePrecision.EvaluateCoco(det, gt);
        Assert.Equal(new[] { 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95 }, r.PerThreshold.Select(p => p.IouThreshold));
        Assert.Equal(0.7, r.MeanAveragePrecision, 12);
        Assert.Equal(1.0, r.MeanAveragePrecision50);
        Assert.Equal(1.0, r.MeanAveragePrecision75);
        Assert.Equal(0.0, r.PerThreshold[7].MeanAveragePrecision);
        Assert.Equal(0.7, r.AveragePrecisionOf(3), 12);
    }
}
