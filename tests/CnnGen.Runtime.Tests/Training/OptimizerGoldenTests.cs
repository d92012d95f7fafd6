using System.Text.Json;
using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

/// <summary>Each optimiser's first five steps against torch.optim (scripts/golden/optimizers_torch.py).</summary>
public class OptimizerGoldenTests
{
    public static TheoryData<string> Names => new()
    {
        "sgd", "sgd_weight_decay", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adam_l2", "adamw",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void FirstStepsMatchPyTorch(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "optimizers", name + ".json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        JsonElement hyper = root.GetProperty("hyper");

        var w = new Parameter("W1", [2, 3], ParameterRole.Weight, 2, 3, InitKind.He);
        var b = new Parameter("b1", [3], ParameterRole.Bias, 2, 3, InitKind.Zeros);
        Parameter[] parameters = [w, b];
        Floats(root.GetProperty("initial").GetProperty("w")).CopyTo(w.Values, 0);
        Floats(root.GetProperty("initial").GetProperty("b")).CopyTo(b.Values, 0);
        var coefficients = new[] { Floats(root.GetProperty("coefficients").GetProperty("w")), Floats(root.GetProperty("coefficients").GetProperty("b")) };
        var targets = new[] { Floats(root.GetProperty("targets").GetProperty("w")), Floats(root.GetProperty("targets").GetProperty("b")) };

        IOptimizer optimizer = Create(root.GetProperty("optimizer").GetString()!, hyper);
        int step = 0;
        foreach (JsonElement expected in root.GetProperty("steps").EnumerateArray())
        {
            step++;
            for (int p = 0; p < parameters.Length; p++)
            {
                float[] v = parameters[p].Values, g = parameters[p].Gradients;
                for (int i = 0; i < v.Length; i++) g[i] = coefficients[p][i] * (v[i] - targets[p][i]);
            }

            optimizer.Step(parameters);
            AssertClose(Floats(expected.GetProperty("w")), w.Values, $"{name} step {step} w");
            AssertClose(Floats(expected.GetProperty("b")), b.Values, $"{name} step {step} b");
        }

        Assert.Equal(5, step);
    }

    private static IOptimizer Create(string name, JsonElement hyper)
    {
        float lr = Get(hyper, "lr", 0f);
        float decay = Get(hyper, "weight_decay", 0f);
        Optimizer optimizer = name switch
        {
            "sgd" or "sgd_weight_decay" => new Sgd(lr),
            "momentum" => new Momentum(lr, Get(hyper, "momentum", 0f)),
            "nesterov" => new Nesterov(lr, Get(hyper, "momentum", 0f)),
            "adagrad" => new AdaGrad(lr, Get(hyper, "eps", 0f)),
            "rmsprop" => new RmsProp(lr, Get(hyper, "alpha", 0f), Get(hyper, "eps", 0f)),
            "adam" or "adam_l2" or "adamw" => new Adam(lr, Get(hyper, "beta1", 0f), Get(hyper, "beta2", 0f), Get(hyper, "eps", 0f),
                decay, hyper.TryGetProperty("decoupled", out JsonElement d) && d.GetBoolean()),
            _ => throw new ArgumentException(name),
        };
        optimizer.WeightDecay = decay;
        return optimizer;
    }

    private static float Get(JsonElement hyper, string key, float fallback) =>
        hyper.TryGetProperty(key, out JsonElement e) ? (float)e.GetDouble() : fallback;

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-6 + 2e-6 * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
