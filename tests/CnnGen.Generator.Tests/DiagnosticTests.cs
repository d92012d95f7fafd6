using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CnnGen.Generator.Tests;

/// <summary>One test per diagnostic ID: the ID, the severity, where it lands (line and column of the attribute) and the message.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics.Where(d => d.Id == "CS8785"));
        return Assert.Single(result.Diagnostics, d => d.Id == id);
    }

    /// <summary>The 1-based line and column where a diagnostic starts, and the text it covers.</summary>
    private static (int Line, int Column, string Text) Where(Diagnostic d, string source)
    {
        var span = d.Location.GetLineSpan();
        string text = source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);
        return (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, text);
    }

    [Fact]
    public void CNN001_kernel_larger_than_input()
    {
        const string source = """
            using CnnGen;
            [Input(1, 5, 5)]
            [Conv(30, 7)] [Relu]
            [Affine(10)] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN001");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal((3, 2, "Conv(30, 7)"), Where(d, source));
        Assert.Equal("Conv(30, 7) on input 1x5x5: output height (5 - 7 + 2*0)/1 + 1 = -1 is below 1; use Pad >= 1 or a kernel of at most 5", d.GetMessage());
    }

    [Fact]
    public void CNN002_stride_does_not_tile()
    {
        const string source = """
            using CnnGen;
            [Input(3, 224, 224)]
            [Conv(96, 11, Stride = 4, Pad = 3)] [Relu] [MaxPool(3, Stride = 2)]
            [Affine(10)] [SoftmaxWithLoss]
            public partial class AlexNetStem { }
            """;
        Diagnostic d = Single(source, "CNN002");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal((3, 2, "Conv(96, 11, Stride = 4, Pad = 3)"), Where(d, source));
        Assert.Equal("Conv(96, 11, Stride = 4, Pad = 3) on input 3x224x224: (224 - 11 + 2*3) mod 4 = 3, so the last 3 padded rows (padding only) are never read (output 55x55); choose Pad and Stride so that (N - F + 2P) is a multiple of S", d.GetMessage());
    }

    [Fact]
    public void CNN003_missing_input()
    {
        const string source = """
            using CnnGen;
            [Conv(30, 5)] [Relu]
            [Affine(10)] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN003");
        Assert.Equal((2, 2, "Conv(30, 5)"), Where(d, source));
        Assert.Contains("declares layers but no [Input(channels, height, width)]", d.GetMessage());
    }

    [Fact]
    public void CNN003_input_dimension_below_one()
    {
        const string source = """
            using CnnGen;
            [Input(1, 0, 28)]
            [Affine(10)] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN003");
        Assert.Equal((2, 2, "Input(1, 0, 28)"), Where(d, source));
        Assert.Equal("Input(1, 0, 28): every dimension must be at least 1", d.GetMessage());
    }

    [Theory]
    [InlineData("public class Net { }", "is not partial")]
    [InlineData("public static partial class Net { }", "is static")]
    [InlineData("public partial class Net<T> { }", "is generic")]
    [InlineData("public partial class Outer<T> { public partial class Net { } }", "is nested in the generic type 'Outer'")]
    public void CNN004_class_shape(string declaration, string problem)
    {
        string source = "using CnnGen;\n[Input(1, 4, 4)]\n[Affine(2)] [SoftmaxWithLoss]\n" + declaration;
        if (declaration.Contains("Outer")) source = "using CnnGen;\npublic partial class Outer<T> { [Input(1, 4, 4)] [Affine(2)] [SoftmaxWithLoss] public partial class Net { } }";
        Diagnostic d = Single(source, "CNN004");
        Assert.Equal("Net", Where(d, source).Text);
        Assert.Contains(problem, d.GetMessage());
        Assert.Empty(GeneratorHarness.Run(source).Sources); // nothing generated into a class that cannot take it
    }

    [Fact]
    public void CNN005_softmax_not_last()
    {
        const string source = """
            using CnnGen;
            [Input(1, 4, 4)]
            [Affine(2)] [SoftmaxWithLoss] [Relu]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN005");
        Assert.Equal((3, 14, "SoftmaxWithLoss"), Where(d, source));
        Assert.Equal("SoftmaxWithLoss is followed by Relu; SoftmaxWithLoss must be the last layer", d.GetMessage());
    }

    [Fact]
    public void CNN005_softmax_twice()
    {
        const string source = """
            using CnnGen;
            [Input(1, 4, 4)]
            [Affine(2)] [SoftmaxWithLoss] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN005");
        Assert.Equal((3, 32, "SoftmaxWithLoss"), Where(d, source));
    }

    [Theory]
    [InlineData("Conv(0, 3)", "filters = 0, but a convolution needs at least 1 filter")]
    [InlineData("Conv(4, 3, Stride = 0)", "Stride = 0, but the stride must be at least 1")]
    [InlineData("Conv(4, 3, Pad = -1)", "Pad = -1, but padding cannot be negative")]
    [InlineData("MaxPool(0)", "size = 0, but the window must be at least 1x1")]
    [InlineData("MaxPool(16)", "size = 16, but a max pool's window is at most 15x15 (each window records which of its inputs won in one byte, for the backward pass); use AvgPool or GlobalAvgPool, or two smaller max pools")]
    [InlineData("AvgPool(2, Stride = -2)", "Stride = -2, but the stride must be at least 1 (leave it out to use the window size)")]
    [InlineData("Dropout(1.0)", "rate = 1, but the dropout rate must lie in [0, 1)")]
    public void CNN006_argument_out_of_range(string layer, string message)
    {
        string source = $"using CnnGen;\n[Input(1, 8, 8)]\n[{layer}] [Affine(2)] [SoftmaxWithLoss]\npublic partial class Net {{ }}";
        Diagnostic d = Single(source, "CNN006");
        Assert.Equal((3, 2, layer), Where(d, source));
        Assert.Equal($"{layer}: {message}", d.GetMessage());
    }

    [Fact]
    public void CNN006_affine_units()
    {
        const string source = "using CnnGen;\n[Input(1, 8, 8)]\n[Affine(-5)] [SoftmaxWithLoss]\npublic partial class Net { }";
        Assert.Equal("Affine(-5): units = -5, but an Affine layer needs at least 1 output", Single(source, "CNN006").GetMessage());
    }

    [Fact]
    public void CNN007_layers_on_two_declarations()
    {
        const string source = """
            using CnnGen;
            [Input(1, 8, 8)]
            [Conv(4, 3)] [Relu]
            public partial class Net { }

            [Affine(2)] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN007");
        Assert.Equal((6, 2, "Affine(2)"), Where(d, source));
        Assert.Contains("declares layers on more than one partial declaration", d.GetMessage());
    }

    [Fact]
    public void CNN008_conv_after_affine()
    {
        const string source = "using CnnGen;\n[Input(1, 8, 8)]\n[Affine(16)] [Conv(4, 3)] [SoftmaxWithLoss]\npublic partial class Net { }";
        Diagnostic d = Single(source, "CNN008");
        Assert.Equal((3, 15, "Conv(4, 3)"), Where(d, source));
        Assert.Equal("Conv(4, 3) follows an Affine layer, where the data is flat (16 features, no height or width); put convolutions and pooling before the first Affine", d.GetMessage());
    }

    [Fact]
    public void CNN009_no_loss_layer()
    {
        const string source = "using CnnGen;\n[Input(1, 8, 8)]\n[Affine(2)]\npublic partial class Net { }";
        Diagnostic d = Single(source, "CNN009");
        Assert.Equal((4, 22, "Net"), Where(d, source));
    }

    [Fact]
    public void CNN010_pad_at_least_kernel()
    {
        const string source = "using CnnGen;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)] [Affine(2)] [SoftmaxWithLoss]\npublic partial class Net { }";
        Diagnostic d = Single(source, "CNN010");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal((3, 2, "Conv(2, 3, Pad = 3)"), Where(d, source));
        Assert.Equal("Conv(2, 3, Pad = 3): Pad = 3 is at least the kernel size 3, so the border outputs see only padding; use Pad <= 2", d.GetMessage());
    }

    [Fact]
    public void CNN011_residual_shapes_differ()
    {
        const string source = """
            using CnnGen;
            [Input(8, 8, 8)]
            [Residual] [Conv(16, 3, Pad = 1)] [EndResidual]
            [Affine(2)] [SoftmaxWithLoss]
            public partial class Net { }
            """;
        Diagnostic d = Single(source, "CNN011");
        Assert.Equal((3, 36, "EndResidual"), Where(d, source));
        Assert.Equal("residual block from layer 1 to 3: F(x) is 16x8x8 but x is 8x8x8, so F(x) + x is undefined; use [Residual(Projection = true)] for a 1x1 convolution shortcut, or keep the shape inside the block", d.GetMessage());
    }

    [Fact]
    public void CNN012_residual_never_closed()
    {
        const string source = "using CnnGen;\n[Input(1, 8, 8)]\n[Residual] [Conv(1, 3, Pad = 1)] [Affine(2)] [SoftmaxWithLoss]\npublic partial class Net { }";
        Diagnostic d = Single(source, "CNN012");
        Assert.Equal((3, 2, "Residual"), Where(d, source));
        Assert.Contains("never closed", d.GetMessage());
    }

    [Fact]
    public void CNN013_network_too_large()
    {
        const string source = "using CnnGen;\n[Input(1, 28, 28)]\n[Affine(int.MaxValue)] [SoftmaxWithLoss]\npublic partial class Net { }";
        Diagnostic d = Single(source, "CNN013");
        Assert.Equal((3, 2, "Affine(int.MaxValue)"), Where(d, source));
    }

    [Fact]
    public void Warnings_can_be_suppressed_with_pragma()
    {
        const string source = """
            using CnnGen;
            [Input(3, 224, 224)]
            #pragma warning disable CNN002 // the notes' AlexNet stem: 219 mod 4 leaves 3 padded rows unread
            [Conv(96, 11, Stride = 4, Pad = 3)]
            #pragma warning restore CNN002
            [Relu] [Affine(10)] [SoftmaxWithLoss]
            public partial class AlexNetStem { }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(result.Diagnostics, x => x.Id == "CNN002");
        // Located in the compilation's own syntax tree: the compiler then applies #pragma warning and .editorconfig
        // severities to it, as for its own diagnostics (an external-file location would ignore them).
        Assert.True(d.Location.IsInSource);
        Assert.Same(result.Output.SyntaxTrees.First(), d.Location.SourceTree);
    }

    [Fact]
    public void Invalid_network_still_gets_its_members_so_user_code_compiles()
    {
        const string source = """
            using CnnGen;
            [Input(1, 5, 5)]
            [Conv(30, 7)] [Affine(10)] [SoftmaxWithLoss]
            public partial class Net { }
            public static class User
            {
                public static float Use(Net net, float[] x, int[] t) { net.Forward(x); net.Backward(); return net.Loss(x, t) + Net.InputSize; }
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Equal("CNN001", Assert.Single(result.Diagnostics).Id);
        Assert.Empty(result.CompilationProblems); // no "member not found" cascade
    }

    [Fact]
    public void Every_descriptor_is_listed_in_the_release_tracking_file()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "CnnGen.sln"))) root = Path.GetDirectoryName(root)!;
        string unshipped = File.ReadAllText(Path.Combine(root, "src", "CnnGen.Generator", "AnalyzerReleases.Unshipped.md"));
        for (int i = 1; i <= 13; i++)
        {
            string id = $"CNN{i:000}";
            Assert.Contains(id, unshipped);
            Assert.Equal(id, Diagnostics.DiagnosticDescriptors.ById(id).Id);
        }
    }
}
