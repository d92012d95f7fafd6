using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

public class OptimizerTests
{
    public static TheoryData<string> All => new() { "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw" };

    internal static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Momentum(0.05f, 0.9f),
        "nesterov" => new Nesterov(0.05f, 0.9f),
        "adagrad" => new AdaGrad(0.5f),
        "rmsprop" => new RmsProp(0.01f),
        "adam" => new Adam(0.05f),
        "adamw" => new Adam(0.05f, weightDecay: 1e-4f, decoupled: true),
        _ => throw new ArgumentException(name),
    };

    /// <summary>f(p) = 1/2 sum c (p - t)^2 over a weight and a bias.</summary>
    private static (Parameter[] Parameters, float[][] C, float[][] T) Quadratic()
    {
        var w = new Parameter("W1", [4, 5], ParameterRole.Weight, 4, 5, InitKind.He);
        var b = new Parameter("b1", [5], ParameterRole.Bias, 4, 5, InitKind.Zeros);
        Parameter[] ps = [w, b];
        var c = new float[2][];
        var t = new float[2][];
        for (int p = 0; p < 2; p++)
        {
            int n = ps[p].Length;
            c[p] = Enumerable.Range(0, n).Select(i => 0.5f + (i % 4) * 0.5f).ToArray();
            t[p] = Enumerable.Range(0, n).Select(i => MathF.Sin(i + 1f + p)).ToArray();
            for (int i = 0; i < n; i++) ps[p].Values[i] = MathF.Cos(3f * i + p) * 2f;
        }

        return (ps, c, t);
    }

    private static void Gradients(Parameter[] ps, float[][] c, float[][] t)
    {
        for (int p = 0; p < ps.Length; p++)
        {
            float[] v = ps[p].Values, g = ps[p].Gradients;
            for (int i = 0; i < v.Length; i++) g[i] = c[p][i] * (v[i] - t[p][i]);
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void MinimisesAQuadratic(string name)
    {
        var (ps, c, t) = Quadratic();
        Optimizer optimizer = Create(name);
        for (int step = 0; step < 3000; step++)
        {
            Gradients(ps, c, t);
            optimizer.Step(ps);
        }

        for (int p = 0; p < ps.Length; p++)
        {
            for (int i = 0; i < ps[p].Length; i++)
            {
                Assert.True(Math.Abs(ps[p].Values[i] - t[p][i]) < 0.02, $"{name}: {ps[p].Name}[{i}] = {ps[p].Values[i]}, target {t[p][i]}");
            }
        }

        Assert.Equal(3000, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void StepsAfterTheFirstAllocateNothing(string name)
    {
        var (ps, c, t) = Quadratic();
        IReadOnlyList<Parameter> list = ps;
        Optimizer optimizer = Create(name);
        optimizer.WeightDecay = 0.01f;
        Gradients(ps, c, t);
        optimizer.Step(list);
        optimizer.Step(list);

        long allocated = AllocationProbe.Least(() =>
        {
            for (int i = 0; i < 20; i++) optimizer.Step(list);
        });
        Assert.Equal(0, allocated);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void RejectsADifferentParameterList(string name)
    {
        var (ps, _, _) = Quadratic();
        Optimizer optimizer = Create(name);
        optimizer.Step(ps);
        optimizer.Step(new List<Parameter>(ps)); // same parameters in another list: fine

        var other = new Parameter("W9", [4, 5], ParameterRole.Weight, 4, 5, InitKind.He);
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.Step([other, ps[1]]));
        Assert.Contains("W9", ex.Message);
        Assert.Throws<InvalidOperationException>(() => optimizer.Step([ps[0]]));
    }

    [Fact]
    public void BindAllocatesUpFrontAndChecksTheList()
    {
        var (ps, _, _) = Quadratic();
        var adam = new Adam();
        Assert.False(adam.IsBound);
        adam.Bind(ps);
        Assert.True(adam.IsBound);
        Assert.Equal(0, adam.StepCount);
        Assert.Throws<InvalidOperationException>(() => adam.Step([ps[1], ps[0]]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WeightDecayShrinksWeightsOnly(bool decoupled)
    {
        var w = new Parameter("W1", [3], ParameterRole.Weight, 3, 1, InitKind.He);
        var b = new Parameter("b1", [3], ParameterRole.Bias, 3, 1, InitKind.Zeros);
        var gamma = new Parameter("gamma1", [3], ParameterRole.Scale, 3, 1, InitKind.Ones);
        Parameter[] ps = [w, b, gamma];
        foreach (Parameter p in ps) p.Values.AsSpan().Fill(2f);

        Optimizer optimizer = decoupled ? new Adam(0.1f, weightDecay: 0.5f, decoupled: true) : new Sgd(0.1f) { WeightDecay = 0.5f };
        optimizer.Step(ps);

        Assert.All(w.Values, v => Assert.True(v < 2f));
        Assert.All(b.Values, v => Assert.Equal(2f, v));
        Assert.All(gamma.Values, v => Assert.Equal(2f, v));
        Assert.All(w.Gradients, g => Assert.Equal(0f, g)); // gradients are never written
        if (!decoupled) Assert.All(w.Values, v => Assert.Equal(2f - 0.1f * 0.5f * 2f, v, 6));
        else Assert.All(w.Values, v => Assert.Equal(2f * (1f - 0.1f * 0.5f), v, 6));
    }

    [Fact]
    public void SgdMatchesHandComputedStep()
    {
        var w = new Parameter("W1", [2], ParameterRole.Weight, 2, 1, InitKind.He);
        w.Values[0] = 1f; w.Values[1] = -2f;
        w.Gradients[0] = 0.5f; w.Gradients[1] = -1f;
        new Sgd(0.1f).Step([w]);
        Assert.Equal(0.95f, w.Values[0], 6);
        Assert.Equal(-1.9f, w.Values[1], 6);
    }

    [Fact]
    public void InvalidHyperParametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta2: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(alpha: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd().LearningRate = float.NaN);
    }
}
