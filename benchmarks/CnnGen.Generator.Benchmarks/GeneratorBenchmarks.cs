using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CnnGen.Generator.Benchmarks;

/// <summary>
/// Wall time of one full generator run (parse, shape inference, emit) on a fresh driver, over a compilation
/// that holds only the network declaration, as in an IDE keystroke that changes an attribute.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;

    [Params("SimpleConvNet", "Vgg50", "Vgg16", "ResNet18")]
    public string Network { get; set; } = "SimpleConvNet";

    [GlobalSetup]
    public void Setup() => _compilation = Harness.Compilation(Harness.Source(Network));

    [Benchmark]
    public GeneratorDriver Generate() => Harness.Driver().RunGenerators(_compilation);
}

public static class Harness
{
    private static readonly MetadataReference[] References = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(CnnGen.InputAttribute).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(CnnGen.INetwork).Assembly.Location))
        .ToArray();

    public static string Source(string network) => network switch
    {
        "SimpleConvNet" => Networks.SimpleConvNet,
        "Vgg50" => Networks.Vgg50,
        "Vgg16" => Networks.Vgg16,
        "ResNet18" => Networks.ResNet18,
        _ => throw new ArgumentException(network),
    };

    public static CSharpCompilation Compilation(string source) => CSharpCompilation.Create("Bench",
        new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) }, References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    public static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(new NetworkGenerator());
}
