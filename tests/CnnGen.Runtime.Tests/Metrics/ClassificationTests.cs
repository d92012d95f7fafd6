using CnnGen.Metrics;

namespace CnnGen.Runtime.Tests.Metrics;

public class ClassificationTests
{
    // 8 samples, 3 classes.
    private static readonly int[] Labels = { 0, 0, 0, 1, 1, 1, 2, 2 };
    private static readonly int[] Predicted = { 0, 1, 1, 1, 1, 0, 2, 0 };

    // Counts by hand (row = true, column = predicted):
    //   true 0: predicted 0,1,1 -> [1, 2, 0]   support 3
    //   true 1: predicted 1,1,0 -> [1, 2, 0]   support 3
    //   true 2: predicted 2,0   -> [1, 0, 1]   support 2
    //   column sums (times predicted): 3, 4, 1; diagonal 1 + 2 + 1 = 4 correct.
    [Fact]
    public void Confusion_matrix_by_hand()
    {
        var m = new ConfusionMatrix(3);
        m.Add(Predicted, Labels);
        long[,] expected = { { 1, 2, 0 }, { 1, 2, 0 }, { 1, 0, 1 } };
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++) Assert.Equal(expected[i, j], m[i, j]);
        }

        Assert.Equal(8, m.Total);
        Assert.Equal(4, m.Correct);
        Assert.Equal(0.5, m.Accuracy);
        Assert.Equal(new long[] { 3, 3, 2 }, Enumerable.Range(0, 3).Select(m.Support));
        Assert.Equal(new long[] { 3, 4, 1 }, Enumerable.Range(0, 3).Select(m.PredictedCount));
        Assert.Equal(2, m.FalsePositives(0));
        Assert.Equal(2, m.FalseNegatives(0));
        Assert.Equal(0, m.FalsePositives(2));
        Assert.Equal(1, m.FalseNegatives(2));
    }

    [Fact]
    public void Precision_recall_f1_by_hand()
    {
        // Precision = TP / column sum: 1/3, 2/4, 1/1.  Recall = TP / row sum: 1/3, 2/3, 1/2.
        // F1 = 2TP / (row + column): 2/6, 4/7, 2/3.
        // Macro: P = (1/3 + 1/2 + 1)/3 = 11/18; R = (1/3 + 2/3 + 1/2)/3 = 1/2; F1 = (1/3 + 4/7 + 2/3)/3 = 11/21.
        // Micro: every error is one FP and one FN, so P = R = F1 = 4 correct / 8 = 1/2.
        ClassificationReport r = ClassificationReport.FromPredictions(Predicted, Labels, 3);
        AssertClose(new[] { 1.0 / 3, 0.5, 1.0 }, r.Precision);
        AssertClose(new[] { 1.0 / 3, 2.0 / 3, 0.5 }, r.Recall);
        AssertClose(new[] { 1.0 / 3, 4.0 / 7, 2.0 / 3 }, r.F1);
        Assert.Equal(11.0 / 18, r.MacroPrecision, 12);
        Assert.Equal(0.5, r.MacroRecall, 12);
        Assert.Equal(11.0 / 21, r.MacroF1, 12);
        Assert.Equal(0.5, r.MicroPrecision, 12);
        Assert.Equal(0.5, r.MicroRecall, 12);
        Assert.Equal(0.5, r.MicroF1, 12);
        Assert.Equal(3, r.AveragedClasses);
    }

    [Fact]
    public void Class_absent_from_labels_and_predictions_is_left_out_of_macro()
    {
        // The same data with a 4th class that never occurs: macro values unchanged, per-class values 0.
        ClassificationReport r = ClassificationReport.FromPredictions(Predicted, Labels, 4);
        Assert.Equal(3, r.AveragedClasses);
        Assert.Equal(11.0 / 18, r.MacroPrecision, 12);
        Assert.Equal(11.0 / 21, r.MacroF1, 12);
        Assert.Equal(0.0, r.Precision[3]);
        Assert.Equal(0L, r.Support[3]);
    }

    [Fact]
    public void Batches_accumulate_like_one_batch_and_logits_match_predictions()
    {
        var whole = new ConfusionMatrix(3);
        whole.Add(Predicted, Labels);

        // The same predictions as one-hot-ish logits, fed in two batches of 5 and 3.
        float[] logits = new float[Labels.Length * 3];
        for (int n = 0; n < Labels.Length; n++)
        {
            logits[n * 3 + Predicted[n]] = 2f;
            logits[n * 3 + (Predicted[n] + 1) % 3] = -1f;
        }

        var parts = new ConfusionMatrix(3);
        parts.AddLogits(logits.AsSpan(0, 15), Labels.AsSpan(0, 5));
        parts.AddLogits(logits.AsSpan(15), Labels.AsSpan(5));
        Assert.Equal(whole.Format(), parts.Format());
        Assert.Equal(8, parts.Total);

        parts.Reset();
        Assert.Equal(0, parts.Total);
        Assert.Equal(0, parts[0, 0]);
    }

    [Fact]
    public void Adding_a_batch_allocates_nothing()
    {
        var m = new ConfusionMatrix(3);
        float[] logits = new float[Labels.Length * 3];
        for (int i = 0; i < logits.Length; i++) logits[i] = (i * 7 % 5) - 2f;
        m.AddLogits(logits, Labels);
        m.Add(Predicted, Labels);
        int windows = 0;
        long allocated = AllocationProbe.Least(() =>
        {
            windows++;
            for (int i = 0; i < 100; i++)
            {
                m.AddLogits(logits, Labels);
                m.Add(Predicted, Labels);
            }
        });
        Assert.Equal(0, allocated);
        Assert.Equal((2 + 200 * windows) * 8, m.Total);
    }

    [Fact]
    public void Format_is_an_aligned_table()
    {
        var m = new ConfusionMatrix(2);
        for (int i = 0; i < 12; i++) m.Add(0, 0);
        for (int i = 0; i < 3; i++) m.Add(0, 1);
        m.Add(1, 0);
        for (int i = 0; i < 100; i++) m.Add(1, 1);
        string expected =
            "true \\ predicted  cat  dog\n" +
            "             cat   12    3\n" +
            "             dog    1  100\n";
        Assert.Equal(expected, m.Format(new[] { "cat", "dog" }));
        Assert.Equal(
            "true \\ predicted   0    1\n" +
            "               0  12    3\n" +
            "               1   1  100\n",
            m.ToString());
        Assert.Throws<ArgumentException>(() => m.Format(new[] { "cat" }));
    }

    [Fact]
    public void Invalid_classes_name_the_index_and_leave_counts_unchanged()
    {
        var m = new ConfusionMatrix(3);
        var ex = Assert.Throws<ArgumentException>(() => m.Add(new[] { 0, 1, 2 }, new[] { 0, 3, 1 }));
        Assert.Contains("labels'[1]", ex.Message);
        Assert.Equal(0, m.Total);
        ex = Assert.Throws<ArgumentException>(() => m.AddLogits(new[] { 0f, 1f, 2f, 0f, float.NaN, 0f }, new[] { 0, 1 }));
        Assert.Contains("[4]", ex.Message);
        Assert.Equal(0, m.Total);
        Assert.Throws<ArgumentException>(() => m.Add(new[] { 0 }, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => m.AddLogits(new float[5], new[] { 0, 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0));
    }

    // Rows of 4 logits; by hand, the number of classes ranked above the label (ties: lower index first):
    //   row 0: label 2 (0.3), class 1 (0.5) above           -> 1 above: top-2 hit, top-1 miss
    //   row 1: label 3 (-1), classes 0, 1, 2 above           -> 3 above: only top-4 hits
    //   row 2: label 1 (0.7), class 0 ties at 0.7, lower idx -> 1 above: top-2 hit
    //   row 3: label 0 (1), nothing above                    -> top-1 hit
    private static readonly float[] TopKLogits =
    {
        0.1f, 0.5f, 0.3f, 0.2f,
        2f, 1f, 0f, -1f,
        0.7f, 0.7f, 0.1f, 0f,
        1f, 0f, 0f, 0f,
    };

    private static readonly int[] TopKLabels = { 2, 3, 1, 0 };

    [Fact]
    public void Top_k_by_hand()
    {
        Assert.Equal(0.25, TopK.Accuracy(TopKLogits, TopKLabels, 4, 1));
        Assert.Equal(0.75, TopK.Accuracy(TopKLogits, TopKLabels, 4, 2));
        Assert.Equal(0.75, TopK.Accuracy(TopKLogits, TopKLabels, 4, 3));
        Assert.Equal(1.0, TopK.Accuracy(TopKLogits, TopKLabels, 4, 4));
        Assert.Equal(0.25, TopK.Error(TopKLogits, TopKLabels, 4, 2));
        Assert.Equal(0.25, Accuracy.FromLogits(TopKLogits, TopKLabels, 4));
        Assert.True(TopK.Contains(TopKLogits.AsSpan(8, 4), 0, 1));
        Assert.False(TopK.Contains(TopKLogits.AsSpan(8, 4), 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Accuracy(TopKLogits, TopKLabels, 4, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Accuracy(TopKLogits, TopKLabels, 4, 0));
    }

    [Fact]
    public void Accuracy_and_argmax()
    {
        Assert.Equal(0.5, Accuracy.FromPredictions(Predicted, Labels));
        Assert.Equal(4, Accuracy.CountCorrect(Predicted, Labels));
        var predicted = new int[4];
        Logits.ArgMax(TopKLogits, 4, predicted);
        Assert.Equal(new[] { 1, 0, 0, 0 }, predicted);
        Assert.Throws<ArgumentException>(() => Accuracy.FromPredictions(new[] { 1 }, new[] { 1, 2 }));
    }

    [Fact]
    public void Empty_batches_are_handled()
    {
        Assert.Equal(0.0, Accuracy.FromPredictions(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty));
        Assert.Equal(1.0, TopK.Error(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, 3, 1));
        ClassificationReport r = ClassificationReport.FromLogits(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, 3);
        Assert.Equal(0, r.AveragedClasses);
        Assert.Equal(0.0, r.MacroF1);
        Assert.Equal(0.0, r.MicroF1);
    }

    private static void AssertClose(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }
}
