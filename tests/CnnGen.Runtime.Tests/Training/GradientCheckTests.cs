using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

public class GradientCheckTests
{
    private const int Inputs = 6, Classes = 4, Batch = 5;

    private static (float[] X, int[] Y) Batch5()
    {
        var x = new float[Batch * Inputs];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(0.7f * i + 0.3f);
        int[] y = [0, 3, 1, 2, 3];
        return (x, y);
    }

    private static FakeLinearNetwork Network(bool wrong = false, float dropout = 0f)
    {
        var net = new FakeLinearNetwork(Inputs, Classes, wrong, dropout);
        Initializer.Initialize(net, 3, InitScheme.FixedStd, 0.5f);
        for (int k = 0; k < Classes; k++) net.Parameters[1].Values[k] = 0.1f * (k - 1);
        return net;
    }

    [Fact]
    public void CorrectGradientsPass()
    {
        FakeLinearNetwork net = Network();
        var (x, y) = Batch5();
        float[][] before = net.Parameters.Select(p => (float[])p.Values.Clone()).ToArray();

        GradientCheckReport report = GradientCheck.Run(net, x, y, null);

        Assert.True(report.Passed(), report.ToString());
        Assert.True(report.MaxRelativeDifference < 1e-2, report.ToString());
        Assert.Equal(["W1", "b1"], report.Parameters.Select(p => p.Name));
        Assert.All(report.Parameters, p => Assert.Equal(p.TotalElements, p.CheckedElements));
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], net.Parameters[i].Values); // bit-exact restore

        // The gradients left in the network are the analytic ones at the original values.
        var reference = Network();
        reference.Loss(x, y);
        reference.Backward();
        for (int i = 0; i < before.Length; i++) Assert.Equal(reference.Parameters[i].Gradients, net.Parameters[i].Gradients);
    }

    [Fact]
    public void SmallerStepIsNoisierInFloat32()
    {
        // The reason for the default step: float32 rounding of the loss dominates at h = 1e-3.
        var (x, y) = Batch5();
        GradientCheckReport coarse = GradientCheck.Run(Network(), x, y, new GradientCheckOptions { Step = 1e-2f });
        GradientCheckReport fine = GradientCheck.Run(Network(), x, y, new GradientCheckOptions { Step = 1e-3f });
        Assert.True(coarse.MaxAbsoluteDifference < fine.MaxAbsoluteDifference, coarse + "\n" + fine);
        Assert.True(coarse.Passed(5e-3), coarse.ToString());
    }

    [Fact]
    public void WrongGradientIsFlagged()
    {
        var (x, y) = Batch5();
        GradientCheckReport report = GradientCheck.Run(Network(wrong: true), x, y, null);

        Assert.False(report.Passed(), report.ToString());
        ParameterGradientCheck w = report.Parameters[0], b = report.Parameters[1];
        Assert.True(w.Passed(1e-2), report.ToString());
        Assert.False(b.Passed(0.5), report.ToString()); // the bias gradient is Batch times too large
        Assert.InRange(b.AnalyticAtWorst / b.NumericalAtWorst, Batch * 0.9, Batch * 1.1);
        Assert.Contains("b1", report.ToString());
    }

    [Fact]
    public void SampleIsDeterministicAndBounded()
    {
        var (x, y) = Batch5();
        var options = new GradientCheckOptions { MaxElementsPerParameter = 5, SampleSeed = 11 };
        FakeLinearNetwork net = Network();
        GradientCheckReport a = GradientCheck.Run(net, x, y, options);
        int forwards = net.ForwardCount;
        GradientCheckReport b = GradientCheck.Run(Network(), x, y, options);

        Assert.Equal(5, a.Parameters[0].CheckedElements);
        Assert.Equal(Inputs * Classes, a.Parameters[0].TotalElements);
        Assert.Equal(4, a.Parameters[1].CheckedElements); // fewer elements than the cap: all
        Assert.Equal(3 + 2 * (5 + 4) + 1, forwards);
        Assert.Equal(a.Parameters[0].WorstIndex, b.Parameters[0].WorstIndex);
        Assert.Equal(a.Parameters[0].MaxAbsoluteDifference, b.Parameters[0].MaxAbsoluteDifference);
        Assert.True(a.Passed());
    }

    [Fact]
    public void RandomForwardPassIsRejectedUnlessReseeded()
    {
        var (x, y) = Batch5();
        var ex = Assert.Throws<InvalidOperationException>(() => GradientCheck.Run(Network(dropout: 0.5f), x, y, null));
        Assert.Contains("deterministic", ex.Message);

        GradientCheckReport report = GradientCheck.Run(Network(dropout: 0.5f), x, y, new GradientCheckOptions { NetworkSeed = 7 });
        Assert.True(report.Passed(), report.ToString());
    }

    [Fact]
    public void ReportTableListsEveryParameter()
    {
        var (x, y) = Batch5();
        string table = GradientCheck.Run(Network(), x, y, null).ToString();
        Assert.Contains("W1", table);
        Assert.Contains("6x4", table);
        Assert.Contains("24/24", table);
        Assert.Contains("max rel", table);
    }

    [Fact]
    public void OptionsValidate()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientCheckOptions { Step = 0f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientCheckOptions { MaxElementsPerParameter = 0 });
        Assert.Equal(1e-2f, new GradientCheckOptions().Step);
    }
}
