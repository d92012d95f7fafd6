using System.Text;

namespace CnnGen.Generator.Benchmarks;

/// <summary>The declarations the generator is timed on, as source text.</summary>
public static class Networks
{
    public const string SimpleConvNet = """
        using CnnGen;
        [Input(1, 28, 28)]
        [Conv(30, 5)] [Relu] [MaxPool(2)]
        [Affine(100)] [Relu] [Affine(10)] [SoftmaxWithLoss]
        public partial class SimpleConvNet { }
        """;

    public const string Vgg16 = """
        using CnnGen;
        [Input(3, 224, 224)]
        [Conv(64, 3, Pad = 1)] [Relu] [Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(128, 3, Pad = 1)] [Relu] [Conv(128, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Affine(4096)] [Relu] [Dropout(0.5)] [Affine(4096)] [Relu] [Dropout(0.5)] [Affine(1000)]
        [SoftmaxWithLoss]
        public partial class Vgg16 { }
        """;

    public static string ResNet18 { get; } = BuildResNet18();

    /// <summary>A 50-layer VGG-style stack: 24 conv 3x3 pad 1 + ReLU pairs, one pooling, two affine layers.</summary>
    public static string Vgg50 { get; } = BuildVgg50();

    private static string BuildVgg50()
    {
        var s = new StringBuilder("using CnnGen;\n[Input(3, 32, 32)]\n");
        int layers = 0;
        for (int i = 0; i < 23; i++, layers += 2) s.Append("[Conv(32, 3, Pad = 1)] [Relu]\n");
        s.Append("[MaxPool(2)]\n"); layers++;
        s.Append("[Affine(64)] [Relu] [Affine(10)] [SoftmaxWithLoss]\n"); layers += 4;
        if (layers != 51) throw new InvalidOperationException($"expected 51 layers, built {layers}");
        return s.Append("public partial class Vgg50 { }\n").ToString();
    }

    private static string BuildResNet18()
    {
        var s = new StringBuilder("using CnnGen;\n[Input(3, 224, 224)]\n");
        s.Append("[Conv(64, 7, Stride = 2, Pad = 3, Bias = false)] [BatchNorm] [Relu] [MaxPool(3, Stride = 2, Pad = 1)]\n");
        int[] widths = { 64, 128, 256, 512 };
        for (int stage = 0; stage < 4; stage++)
        {
            for (int block = 0; block < 2; block++)
            {
                bool down = stage > 0 && block == 0;
                s.Append(down ? "[Residual(Projection = true)] " : "[Residual] ");
                s.Append($"[Conv({widths[stage]}, 3, Stride = {(down ? 2 : 1)}, Pad = 1, Bias = false)] [BatchNorm] [Relu] ");
                s.Append($"[Conv({widths[stage]}, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]\n");
            }
        }

        return s.Append("[GlobalAvgPool] [Affine(1000)] [SoftmaxWithLoss]\npublic partial class ResNet18 { }\n").ToString();
    }
}
