using CnnGen;

namespace CnnGen.Benchmarks
{
    /// <summary>The notes' SimpleConvNet.</summary>
    [Input(1, 28, 28)]
    [Conv(30, 5)] [Relu] [MaxPool(2)]
    [Affine(100)] [Relu] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class SimpleConvNet { }

    /// <summary>LeNet-5 (tanh, average pooling, sigmoid before the last layer).</summary>
    [Input(1, 28, 28)]
    [Conv(6, 5, Pad = 2)] [Tanh] [AvgPool(2)]
    [Conv(16, 5)] [Tanh] [AvgPool(2)]
    [Affine(120)] [Tanh] [Affine(84)] [Sigmoid] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class LeNet5 { }

    /// <summary>A small VGG-style network on 3x32x32: two blocks of two 3x3 convolutions and a 2x2 max pool.</summary>
    [Input(3, 32, 32)]
    [Conv(16, 3, Pad = 1)] [Relu] [Conv(16, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(32, 3, Pad = 1)] [Relu] [Conv(32, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Affine(128)] [Relu] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class SmallVgg { }
}
