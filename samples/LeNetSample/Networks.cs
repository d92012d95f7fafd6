using CnnGen;

namespace LeNetSample
{
    /// <summary>The notes' SimpleConvNet: conv 30 5x5, ReLU, 2x2 max-pool, affine 100, ReLU, affine 10.</summary>
    [Input(1, 28, 28)]
    [Conv(30, 5)] [Relu] [MaxPool(2)]
    [Affine(100)] [Relu] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class SimpleConvNet { }

    /// <summary>LeNet-5 (1998) on 28x28 MNIST: the first convolution pads by 2 to see the 32x32 field of the original.
    /// Sub-sampling is average pooling, activations are tanh, and the last hidden layer uses sigmoid.</summary>
    [Input(1, 28, 28)]
    [Conv(6, 5, Pad = 2)] [Tanh] [AvgPool(2)]
    [Conv(16, 5)] [Tanh] [AvgPool(2)]
    [Affine(120)] [Tanh] [Affine(84)] [Sigmoid] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class LeNet5 { }
}
