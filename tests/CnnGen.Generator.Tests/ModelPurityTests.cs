using System.Collections;
using System.Reflection;
using CnnGen.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace CnnGen.Generator.Tests;

/// <summary>The incremental pipeline caches on equality: its models must hold only plain values.</summary>
public class ModelPurityTests
{
    [Fact]
    public void Parsed_and_planned_models_hold_no_symbols_syntax_or_compilation()
    {
        var compilation = Infrastructure.GeneratorHarness.Compilation("""
            using CnnGen;
            [Input(3, 16, 16)]
            [Conv(8, 3, Pad = 1)] [BatchNorm] [Relu] [Residual] [Conv(8, 3, Pad = 1)] [EndResidual] [MaxPool(2)]
            [Affine(10)] [Dropout(0.5)] [SoftmaxWithLoss]
            public partial class Net { }
            """);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Net")!;
        ParseResult parsed = NetworkParser.Parse(type, CancellationToken.None);
        PlanResult planned = ShapeInference.Infer(parsed.Spec);
        AssertPure(parsed, new HashSet<object>(ReferenceEqualityComparer.Instance), "ParseResult");
        AssertPure(planned, new HashSet<object>(ReferenceEqualityComparer.Instance), "PlanResult");
    }

    [Fact]
    public void Parsing_twice_gives_equal_models()
    {
        var compilation = Infrastructure.GeneratorHarness.Compilation("using CnnGen;\n[Input(1, 8, 8)] [Conv(2, 3)] [Affine(2)] [SoftmaxWithLoss]\npublic partial class Net { }");
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Net")!;
        ParseResult a = NetworkParser.Parse(type, CancellationToken.None);
        ParseResult b = NetworkParser.Parse(compilation.Clone().GetTypeByMetadataName("Net")!, CancellationToken.None);
        Assert.Equal(a, b);
        Assert.Equal(ShapeInference.Infer(a.Spec), ShapeInference.Infer(b.Spec));
    }

    private static void AssertPure(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(value is ISymbol, $"{path} holds an ISymbol");
        Assert.False(value is SyntaxNode, $"{path} holds a SyntaxNode");
        Assert.False(value is Compilation, $"{path} holds a Compilation");
        Assert.False(value is Location, $"{path} holds a Location");
        Assert.False(value is SyntaxTree, $"{path} holds a SyntaxTree");
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) AssertPure(item, seen, $"{path}[{i++}]");
            if (value.GetType().Namespace?.StartsWith("System", StringComparison.Ordinal) == true) return;
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPure(field.GetValue(value), seen, $"{path}.{field.Name}");
        }
    }
}
