using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using CnnGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>Runs the generator on in-memory source, the way the compiler does.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>().ToImmutableArray()
        .Add(MetadataReference.CreateFromFile(typeof(CnnGen.InputAttribute).Assembly.Location))
        .Add(MetadataReference.CreateFromFile(typeof(CnnGen.INetwork).Assembly.Location))
        .Add(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location));

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "TestNetworks",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Network{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorResult Run(params string[] sources)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new GeneratorResult(run, output, generatorDiagnostics);
    }
}

internal sealed record GeneratorResult(GeneratorDriverRunResult Run, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The CNN diagnostics the generator reported.</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Run.Diagnostics;

    public IReadOnlyList<(string Hint, string Text)> Sources =>
        Run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();

    public string Source(string hint) => Sources.Single(s => s.Hint == hint).Text;

    /// <summary>Errors and warnings of the final compilation (user code plus generated code).</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Compiles the output and loads it into a collectible context that shares CnnGen's runtime with the tests.</summary>
    public Assembly Load()
    {
        using var stream = new MemoryStream();
        var emit = Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        return context.LoadFromStream(stream);
    }
}
