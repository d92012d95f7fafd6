using CnnGen.Generator.Tests.Infrastructure;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The generator must never throw: a crash is only a CS8785 warning and silently no code. Every half-typed
/// attribute list and every absurd argument must end in a diagnostic or in code, never in an exception.
/// </summary>
public class RobustnessTests
{
    private const string Declaration = """
        using CnnGen;
        [Input(1, 28, 28)]
        [Conv(30, 5, Stride = 1, Pad = 0)] [Relu] [MaxPool(2, Stride = 2)]
        [Residual(Projection = true)] [Conv(8, 3, Pad = 1, Bias = false)] [BatchNorm(Momentum = 0.9)] [EndResidual]
        [Affine(100)] [Relu] [Dropout(0.5)] [Affine(10)] [SoftmaxWithLoss]
        public partial class Net { }
        """;

    private static void AssertNoCrash(GeneratorResult result, string source)
    {
        foreach (var r in result.Run.Results)
        {
            Assert.True(r.Exception is null, $"Generator threw {r.Exception} for:\n{source}");
        }

        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "AD0001");
    }

    [Fact]
    public void Every_truncated_prefix_of_the_attribute_list_is_handled()
    {
        int start = Declaration.IndexOf("[Input", StringComparison.Ordinal);
        int end = Declaration.IndexOf("public partial", StringComparison.Ordinal);
        const string tail = "\npublic partial class Net { }";
        for (int length = start; length <= end; length++)
        {
            string source = Declaration.Substring(0, length) + tail;
            AssertNoCrash(GeneratorHarness.Run(source), source);
        }
    }

    [Fact]
    public void Random_argument_values_never_crash_the_generator()
    {
        int[] values = { int.MinValue, -1000, -1, 0, 1, 2, 3, 7, 28, 1000, 65535, int.MaxValue };
        string[] templates =
        {
            "[Conv({0}, {1}, Stride = {2}, Pad = {3})]", "[MaxPool({0}, Stride = {1}, Pad = {2})]", "[AvgPool({0}, Stride = {1}, Pad = {2})]",
            "[Affine({0})]", "[Dropout({0}.5)]", "[BatchNorm(Epsilon = {0})]", "[Relu]", "[Sigmoid]", "[Tanh]", "[GlobalAvgPool]",
            "[Residual(Projection = true)]", "[Residual]", "[EndResidual]",
        };
        var random = new Random(12345);
        for (int trial = 0; trial < 150; trial++)
        {
            string V() => values[random.Next(values.Length)].ToString(System.Globalization.CultureInfo.InvariantCulture);
            var layers = new List<string>();
            int count = random.Next(1, 7);
            for (int i = 0; i < count; i++)
            {
                layers.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, templates[random.Next(templates.Length)], V(), V(), V(), V()));
            }

            if (random.Next(4) != 0) layers.Add("[SoftmaxWithLoss]");
            string source = $"using CnnGen;\n[Input({V()}, {V()}, {V()})]\n{string.Join(" ", layers)}\npublic partial class Net {{ }}";
            GeneratorResult result = GeneratorHarness.Run(source);
            AssertNoCrash(result, source);
            // Either a CNN error or code that compiles without errors.
            if (!result.Diagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
            {
                Assert.DoesNotContain(result.CompilationProblems, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
            }
        }
    }
}
