using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

public class InitializerTests
{
    private static Parameter[] Layer(int fanIn = 1000, int fanOut = 500, InitKind weightDefault = InitKind.He) =>
    [
        new Parameter("W1", [fanIn, fanOut], ParameterRole.Weight, fanIn, fanOut, weightDefault),
        new Parameter("b1", [fanOut], ParameterRole.Bias, fanIn, fanOut, InitKind.Zeros),
        new Parameter("gamma2", [fanOut], ParameterRole.Scale, fanOut, fanOut, InitKind.Ones),
        new Parameter("beta2", [fanOut], ParameterRole.Shift, fanOut, fanOut, InitKind.Zeros),
    ];

    private static (double Mean, double Std) Stats(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        return (mean, Math.Sqrt(variance));
    }

    [Theory]
    [InlineData(InitScheme.He, 0.044721359549995794)] // sqrt(2 / 1000)
    [InlineData(InitScheme.Xavier, 0.031622776601683791)] // sqrt(1 / 1000)
    [InlineData(InitScheme.FixedStd, 0.01)]
    public void WeightsHaveTheTargetStatistics(InitScheme scheme, double targetStd)
    {
        Parameter[] ps = Layer(weightDefault: InitKind.Zeros);
        foreach (Parameter p in ps) p.Values.AsSpan().Fill(7f);
        Initializer.Initialize(ps, seed: 123, scheme);

        var (mean, std) = Stats(ps[0].Values);
        Assert.True(Math.Abs(mean) < 0.01 * targetStd, $"mean {mean}");
        Assert.InRange(std / targetStd, 0.98, 1.02);
        Assert.All(ps[1].Values, v => Assert.Equal(0f, v));
        Assert.All(ps[2].Values, v => Assert.Equal(1f, v));
        Assert.All(ps[3].Values, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FixedStdIsConfigurable()
    {
        Parameter[] ps = Layer();
        Initializer.Initialize(ps, 5, InitScheme.FixedStd, fixedStd: 0.05f);
        Assert.InRange(Stats(ps[0].Values).Std / 0.05, 0.98, 1.02);
    }

    [Fact]
    public void DefaultUsesEachParametersDefaultInit()
    {
        Parameter[] ps = Layer(weightDefault: InitKind.Xavier);
        Initializer.Initialize(ps, 9);
        Assert.InRange(Stats(ps[0].Values).Std / Math.Sqrt(1.0 / 1000), 0.98, 1.02);
        Assert.All(ps[1].Values, v => Assert.Equal(0f, v));
        Assert.All(ps[2].Values, v => Assert.Equal(1f, v));
        Assert.Equal(InitKind.Xavier, Initializer.KindFor(ps[0], InitScheme.Default));
        Assert.Equal(InitKind.He, Initializer.KindFor(ps[0], InitScheme.He));
        Assert.Equal(InitKind.Ones, Initializer.KindFor(ps[2], InitScheme.He));
    }

    [Fact]
    public void SameSeedGivesIdenticalValues()
    {
        var a = new FakeLinearNetwork(20, 7);
        var b = new FakeLinearNetwork(20, 7);
        Initializer.Initialize(a, 42, InitScheme.He);
        Initializer.Initialize(b, 42, InitScheme.He);
        Assert.Equal(a.Parameters[0].Values, b.Parameters[0].Values);
        Assert.All(a.Parameters[1].Values, v => Assert.Equal(0f, v));

        Initializer.Initialize(b, 43, InitScheme.He);
        Assert.NotEqual(a.Parameters[0].Values, b.Parameters[0].Values);
    }

    [Fact]
    public void ValuesArePinnedForASeed()
    {
        // Guards cross-platform and cross-version reproducibility of a seed.
        var p = new Parameter("W1", [4], ParameterRole.Weight, 1, 1, InitKind.FixedStd);
        Initializer.Initialize([p], 1, InitScheme.Default, 1f);
        var q = new Parameter("W1", [4], ParameterRole.Weight, 1, 1, InitKind.FixedStd);
        Initializer.Initialize([q], 1, InitScheme.Default, 1f);
        Assert.Equal(p.Values, q.Values);
        // Pinned to a tolerance: Math.Log/Math.Cos may differ in the last double bit between platforms.
        float[] pinned = [-0.76769173f, 1.0149435f, 0.39372185f, -0.6235078f];
        for (int i = 0; i < pinned.Length; i++) Assert.Equal(pinned[i], p.Values[i], 5);
    }

    [Fact]
    public void HeWithoutFanInIsRejected()
    {
        var p = new Parameter("W1", [4], ParameterRole.Weight, 0, 1, InitKind.He);
        Assert.Throws<ArgumentException>(() => Initializer.Initialize([p], 1));
    }
}
