using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CnnGen.Generator.Tests;

/// <summary>Incremental caching: unrelated edits reuse everything, body edits keep the output, attribute edits regenerate.</summary>
public class IncrementalTests
{
    private const string Network = """
        using CnnGen;
        [Input(1, 28, 28)]
        [Conv(30, 5)] [Relu] [MaxPool(2)]
        [Affine(100)] [Relu] [Affine(10)] [SoftmaxWithLoss]
        public partial class SimpleConvNet
        {
            public int Helper() => 1;
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(sources);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        return (driver, compilation);
    }

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    /// <summary>Reasons of the outputs that write code (the diagnostic outputs read the compilation to place their
    /// locations in its syntax trees, so they re-run on every edit; they only report, never generate).</summary>
    private static IReadOnlyList<IncrementalStepRunReason> OutputReasons(GeneratorRunResult result) =>
        result.TrackedOutputSteps.SelectMany(kv => kv.Value)
            .Where(s => !s.Inputs.Any(i => i.Source.Name == TrackingNames.Diagnostics))
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached()
    {
        var (driver, compilation) = FirstRun(Network, "public class Other { }");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.ElementAt(1),
            CSharpSyntaxTree.ParseText("public class Other { public int X; }", GeneratorHarness.ParseOptions, path: "Network1.cs"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        // ForAttributeWithMetadataName re-runs its transform when any tree changes (the semantic model is the whole
        // compilation's), so the parse step may report Unchanged: it ran, and produced an equal model. Every step
        // after it must then be Cached.
        Assert.All(Reasons(result, TrackingNames.Parse), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.All(Reasons(result, TrackingNames.Plan), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(result), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Method_body_edit_leaves_the_output_unchanged()
    {
        var (driver, compilation) = FirstRun(Network);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Network.Replace("=> 1;", "=> 2 + 40;"), GeneratorHarness.ParseOptions, path: "Network0.cs"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        // The parser re-runs (the class's syntax changed) but produces an equal model, so nothing downstream reruns.
        Assert.All(Reasons(result, TrackingNames.Parse), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.All(Reasons(result, TrackingNames.Plan), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(result), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void Changing_an_attribute_argument_regenerates()
    {
        var (driver, compilation) = FirstRun(Network);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Network.Replace("[Affine(100)]", "[Affine(50)]"), GeneratorHarness.ParseOptions, path: "Network0.cs"));
        GeneratorDriver after = driver.RunGenerators(edited);
        GeneratorRunResult result = after.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Parse));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Plan));
        Assert.Contains("Affine 50", result.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Running_twice_on_a_clone_caches_everything()
    {
        var (driver, compilation) = FirstRun(Network);
        GeneratorRunResult result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        Assert.All(Reasons(result, TrackingNames.Parse), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.All(Reasons(result, TrackingNames.Plan), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }
}
