using CnnGen.Generator.Tests.Infrastructure;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The generated file for four networks, compared with reviewed snapshots in <c>Snapshots/</c>. Each run also
/// checks that the output compiles without warnings and that a second run on a clone is fully cached.
/// </summary>
public class SnapshotTests
{
    private static string Generate(string source, string hint)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationProblems);
        string text = result.Source(hint);
        GeneratorResult again = GeneratorHarness.Run(source);
        Assert.Equal(text, again.Source(hint)); // deterministic
        return text;
    }

    [Fact]
    public void SimpleConvNet()
    {
        string text = Generate("""
            using CnnGen;
            namespace Samples;
            [Input(1, 28, 28)]
            [Conv(30, 5)] [Relu] [MaxPool(2)]
            [Affine(100)] [Relu] [Affine(10)]
            [SoftmaxWithLoss]
            public partial class SimpleConvNet { }
            """, "Samples.SimpleConvNet.g.cs");
        Snapshot.Match(text, "Samples.SimpleConvNet.g");
    }

    [Fact]
    public void SmallVgg()
    {
        // Convolutions fused with the ReLU after them, and convolution + ReLU + max pool folded in inference mode.
        string text = Generate("""
            using CnnGen;
            namespace Samples;
            [Input(3, 32, 32)]
            [Conv(16, 3, Pad = 1)] [Relu] [Conv(16, 3, Pad = 1)] [Relu] [MaxPool(2)]
            [Conv(32, 3, Pad = 1)] [Relu] [Conv(32, 3, Pad = 1)] [Relu] [MaxPool(2)]
            [Affine(128)] [Relu] [Affine(10)]
            [SoftmaxWithLoss]
            public partial class SmallVgg { }
            """, "Samples.SmallVgg.g.cs");
        Snapshot.Match(text, "Samples.SmallVgg.g");
    }

    [Fact]
    public void LeNet5()
    {
        string text = Generate("""
            using CnnGen;
            namespace Samples;
            [Input(1, 28, 28)]
            [Conv(6, 5, Pad = 2)] [Tanh] [AvgPool(2)]
            [Conv(16, 5)] [Tanh] [AvgPool(2)]
            [Affine(120)] [Tanh] [Affine(84)] [Sigmoid] [Affine(10)]
            [SoftmaxWithLoss]
            internal partial class LeNet5 { }
            """, "Samples.LeNet5.g.cs");
        Snapshot.Match(text, "Samples.LeNet5.g");
    }

    [Fact]
    public void SmallResNet()
    {
        string text = Generate("""
            using CnnGen;
            namespace Samples;
            public static partial class Models
            {
                [Input(3, 15, 15)]
                [Conv(8, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu]
                [Residual] [Conv(8, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(8, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
                [Residual(Projection = true)] [Conv(16, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(16, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
                [GlobalAvgPool] [Dropout(0.25)] [Affine(10)]
                [SoftmaxWithLoss]
                public partial class SmallResNet { }
            }
            """.Replace("public static partial class Models", "public partial class Models"), "Samples.Models.SmallResNet.g.cs");
        Snapshot.Match(text, "Samples.Models.SmallResNet.g");
    }
}
