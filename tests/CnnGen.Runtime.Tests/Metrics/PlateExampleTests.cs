using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

/// <summary>
/// The worked example of the notes' mAP section: 15 licence plates in the image, 10 detections
/// (7 TP, 3 FP), ranked by confidence.
/// </summary>
public class PlateExampleTests
{
    // Deliberately not in rank order, to check the ranking as well.
    private static readonly (float Confidence, bool Tp)[] Detections =
    {
        (0.43f, true), (0.95f, true), (0.10f, false), (0.85f, true), (0.78f, true),
        (0.32f, false), (0.75f, true), (0.66f, true), (0.25f, true), (0.55f, false),
    };

    private const int Plates = 15;

    private static PrCurve Curve() => PrCurve.FromMarked(
        Detections.Select(d => d.Confidence).ToArray(), Detections.Select(d => d.Tp).ToArray(), Plates);

    [Fact]
    public void Table_matches_the_notes()
    {
        PrCurve c = Curve();

        // The notes' table, row by row: confidence, TP/FP, cumulative TP, cumulative FP ("-" = 0).
        float[] conf = { 0.95f, 0.85f, 0.78f, 0.75f, 0.66f, 0.55f, 0.43f, 0.32f, 0.25f, 0.10f };
        bool[] tp = { true, true, true, true, true, false, true, false, true, false };
        int[] cumTp = { 1, 2, 3, 4, 5, 5, 6, 6, 7, 7 };
        int[] cumFp = { 0, 0, 0, 0, 0, 1, 1, 2, 2, 3 };
        Assert.Equal(conf, c.Confidences);
        Assert.Equal(tp, c.IsTruePositive);
        Assert.Equal(cumTp, c.CumulativeTruePositives);
        Assert.Equal(cumFp, c.CumulativeFalsePositives);

        // Precision = cumTP / rank: 1/1 2/2 3/3 4/4 5/5 5/6 6/7 6/8 7/9 7/10; recall = cumTP / 15.
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal((double)cumTp[k] / (k + 1), c.Precision[k], 15);
            Assert.Equal((double)cumTp[k] / 15, c.Recall[k], 15);
        }

        Assert.Equal(5.0 / 6, c.Precision[5], 15);
        Assert.Equal(6.0 / 7, c.Precision[6], 15);
        Assert.Equal(7.0 / 10, c.Precision[9], 15);
        Assert.Equal(7.0 / 15, c.Recall[9], 15);
        Assert.Equal(7, c.TruePositives);
        Assert.Equal(3, c.FalsePositives);
        Assert.Equal(new[] { 1, 3, 4, 6, 7, 9, 0, 5, 8, 2 }, c.SourceIndices);
    }

    [Fact]
    public void All_point_ap()
    {
        // Recall rises by 1/15 at each TP (ranks 1-5, 7, 9). All-point AP = sum over those ranks of
        // (1/15) * max_{j >= k} P_j:
        //   ranks 1-5: every later precision is <= 1, so the envelope is 1          -> 5 * 1
        //   rank 7:    max(6/7, 6/8, 7/9, 7/10) = 6/7  (6/7 = 0.857 > 7/9 = 0.778)  -> 6/7
        //   rank 9:    max(7/9, 7/10) = 7/9                                         -> 7/9
        // AP = (5 + 6/7 + 7/9) / 15 = ((315 + 54 + 49) / 63) / 15 = 418 / 945 = 0.44232804...
        // (Here the envelope never lifts a TP's precision, so the uninterpolated sum is the same.)
        const double expected = 418.0 / 945.0;
        Assert.Equal(expected, Curve().AveragePrecision(ApInterpolation.AllPoint), 12);
        Assert.Equal(expected, Curve().AveragePrecision(ApInterpolation.None), 12);
        Assert.Equal(0.442328, expected, 6);
    }

    [Fact]
    public void Eleven_point_ap()
    {
        // P_interp(r) = max { P_k : R_k >= r }, R_k = TP_k / 15, for r = 0, 0.1, ..., 1.0:
        //   r = 0.0: any rank               -> 1
        //   r = 0.1: TP >= 1.5, i.e. >= 2   -> 1 (ranks 2-5 have P = 1)
        //   r = 0.2: TP >= 3                -> 1
        //   r = 0.3: TP >= 4.5, i.e. >= 5   -> 1 (rank 5)
        //   r = 0.4: TP >= 6 (ranks 7-10)   -> max(6/7, 6/8, 7/9, 7/10) = 6/7
        //   r = 0.5 .. 1.0: TP >= 7.5       -> no rank reaches it -> 0 (six levels)
        // AP = (4 + 6/7) / 11 = (34/7) / 11 = 34/77 = 0.44155844...
        Assert.Equal(34.0 / 77.0, Curve().AveragePrecision(ApInterpolation.ElevenPoint), 12);
    }

    [Fact]
    public void Hundred_one_point_ap()
    {
        // r = i/100 needs TP >= 15 i / 100:
        //   i = 0..33  (15i <= 500): TP >= 5 reachable at P = 1           -> 34 levels of 1
        //   i = 34..40 (510..600):   TP >= 6, first at rank 7, envelope 6/7 -> 7 levels of 6/7
        //   i = 41..46 (615..690):   TP >= 7, rank 9, envelope 7/9          -> 6 levels of 7/9
        //   i = 47..100:             TP >= 7.05 unreachable                 -> 0
        // AP = (34 + 6 + 14/3) / 101 = (134/3) / 101 = 134/303 = 0.44224422...
        Assert.Equal(134.0 / 303.0, Curve().AveragePrecision(ApInterpolation.HundredOnePoint), 12);
    }

    [Fact]
    public void Shorthand_api_gives_the_same_ap()
    {
        double ap = AveragePrecision.FromMarked(
            Detections.Select(d => d.Confidence).ToArray(), Detections.Select(d => d.Tp).ToArray(), Plates, ApInterpolation.ElevenPoint);
        Assert.Equal(34.0 / 77.0, ap, 12);
    }

    [Fact]
    public void Format_prints_one_line_per_rank()
    {
        string[] lines = Curve().Format().TrimEnd('\n').Split('\n');
        Assert.Equal(11, lines.Length);
        Assert.Contains("5/6 = 0.833", lines[6]);
        Assert.Contains("7/15 = 0.467", lines[10]);
        Assert.Contains("FP", lines[10]);
    }
}
