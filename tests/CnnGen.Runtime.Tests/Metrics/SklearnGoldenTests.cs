using System.Text.Json;
using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

/// <summary>
/// Cross-check against scikit-learn (and an exact-fraction Python reference for the VOC/COCO
/// interpolations). The golden files are generated, from the repository root, by:
///
///     /usr/bin/python3 scripts/golden/metrics_sklearn.py
///
/// which writes tests/CnnGen.Runtime.Tests/Golden/metrics/{average_precision,classification}.json.
/// </summary>
public class SklearnGoldenTests
{
    private const double Tolerance = 1e-6;

    private static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "metrics", name);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").Clone();
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Fact]
    public void Average_precision_matches_sklearn_and_the_interpolation_reference()
    {
        JsonElement cases = Load("average_precision.json");
        Assert.True(cases.GetArrayLength() >= 3);
        foreach (JsonElement c in cases.EnumerateArray())
        {
            float[] scores = Floats(c.GetProperty("scores"));
            bool[] tp = Ints(c.GetProperty("labels")).Select(y => y == 1).ToArray();
            int positives = c.GetProperty("positives").GetInt32();
            int g = c.GetProperty("ground_truth_count").GetInt32();

            // sklearn's average_precision_score counts only the scored items as positives.
            PrCurve sk = PrCurve.FromMarked(scores, tp, positives);
            Assert.Equal(c.GetProperty("sklearn_ap").GetDouble(), sk.AveragePrecision(ApInterpolation.None), Tolerance);

            PrCurve curve = PrCurve.FromMarked(scores, tp, g);
            Assert.Equal(c.GetProperty("all_point").GetDouble(), curve.AveragePrecision(ApInterpolation.AllPoint), Tolerance);
            Assert.Equal(c.GetProperty("eleven_point").GetDouble(), curve.AveragePrecision(ApInterpolation.ElevenPoint), Tolerance);
            Assert.Equal(c.GetProperty("hundred_one_point").GetDouble(), curve.AveragePrecision(ApInterpolation.HundredOnePoint), Tolerance);
        }
    }

    [Fact]
    public void Classification_metrics_match_sklearn()
    {
        JsonElement cases = Load("classification.json");
        Assert.True(cases.GetArrayLength() >= 3);
        foreach (JsonElement c in cases.EnumerateArray())
        {
            int k = c.GetProperty("classes").GetInt32();
            int[] labels = Ints(c.GetProperty("labels"));
            float[] logits = Floats(c.GetProperty("logits"));

            var m = new ConfusionMatrix(k);
            m.AddLogits(logits, labels);
            int[][] cm = c.GetProperty("confusion_matrix").EnumerateArray().Select(Ints).ToArray();
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++) Assert.Equal(cm[i][j], m[i, j]);
            }

            ClassificationReport r = m.Report();
            ClassificationReport fromPredictions = ClassificationReport.FromPredictions(Ints(c.GetProperty("predicted")), labels, k);
            Assert.Equal(r.ToString(), fromPredictions.ToString());

            Assert.Equal(c.GetProperty("accuracy").GetDouble(), r.Accuracy, Tolerance);
            AssertAll(Doubles(c.GetProperty("precision")), r.Precision);
            AssertAll(Doubles(c.GetProperty("recall")), r.Recall);
            AssertAll(Doubles(c.GetProperty("f1")), r.F1);
            Assert.Equal(Ints(c.GetProperty("support")).Select(v => (long)v), r.Support);
            Assert.Equal(c.GetProperty("macro_precision").GetDouble(), r.MacroPrecision, Tolerance);
            Assert.Equal(c.GetProperty("macro_recall").GetDouble(), r.MacroRecall, Tolerance);
            Assert.Equal(c.GetProperty("macro_f1").GetDouble(), r.MacroF1, Tolerance);
            Assert.Equal(c.GetProperty("micro_precision").GetDouble(), r.MicroPrecision, Tolerance);
            Assert.Equal(c.GetProperty("micro_recall").GetDouble(), r.MicroRecall, Tolerance);
            Assert.Equal(c.GetProperty("micro_f1").GetDouble(), r.MicroF1, Tolerance);

            foreach (JsonProperty topK in c.GetProperty("top_k_accuracy").EnumerateObject())
            {
                int kk = int.Parse(topK.Name, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(topK.Value.GetDouble(), TopK.Accuracy(logits, labels, k, kk), Tolerance);
            }
        }
    }

    private static void AssertAll(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], Tolerance);
    }
}
