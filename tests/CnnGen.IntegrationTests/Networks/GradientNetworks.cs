using CnnGen;

// Tiny networks for the numerical gradient checks (GradientCheckTests) and the PyTorch golden gradients
// (GoldenGradientTests, scripts/golden/gradients_torch.py). Sizes are kept small so that a full central-difference
// check of every parameter element costs milliseconds; every geometry tiles exactly (no CNN002).
namespace CnnGen.IntegrationTests.Networks
{
    /// <summary>Convolution with stride 1 and no padding, tanh, affine.</summary>
    [Input(1, 6, 6)]
    [Conv(2, 3)] [Tanh]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradConvPlain { }

    /// <summary>Convolution with padding 2, ReLU, max pooling 3x3 with stride 2 and padding 1 (stride differs from the window).</summary>
    [Input(2, 5, 5)]
    [Conv(3, 3, Pad = 2)] [Relu] [MaxPool(3, Stride = 2, Pad = 1)]
    [Affine(4)]
    [SoftmaxWithLoss]
    public partial class GradConvPadMaxPool { }

    /// <summary>Stride-2 padded convolution on three channels, sigmoid, padded average pooling with stride 2 over 3x3, tanh/sigmoid affine stack.</summary>
    [Input(3, 9, 9)]
    [Conv(4, 3, Stride = 2, Pad = 1)] [Sigmoid] [AvgPool(3, Stride = 2, Pad = 1)]
    [Affine(5)] [Tanh]
    [Affine(4)] [Sigmoid]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradStrideAvgPool { }

    /// <summary>Max and average pooling with the default stride, then a plain affine stack with ReLU.</summary>
    [Input(2, 8, 8)]
    [Conv(3, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(3, 3, Pad = 1)] [Tanh] [AvgPool(2)]
    [Affine(6)] [Relu]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradTwoPools { }

    /// <summary>Convolutions each followed by a ReLU and no pooling (each pair runs as one fused kernel), the first padded.
    /// Checked against PyTorch's gradients (GoldenGradientTests): central differences are too noisy at its ReLU kinks.</summary>
    [Input(2, 6, 6)]
    [Conv(3, 3, Pad = 1)] [Relu]
    [Conv(4, 3)] [Relu]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GoldenConvRelu { }

    /// <summary>Dropout after a convolution and after an affine layer.</summary>
    [Input(2, 4, 4)]
    [Conv(3, 3, Pad = 1)] [Tanh] [Dropout(0.3)]
    [Affine(6)] [Tanh] [Dropout(0.5)]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradDropout { }

    /// <summary>Batch normalisation after a bias-free convolution (per channel) and after an affine layer (per feature).</summary>
    [Input(2, 6, 6)]
    [Conv(3, 3, Pad = 1, Bias = false)] [BatchNorm] [Tanh] [MaxPool(2)]
    [Affine(5)] [BatchNorm] [Tanh]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradBatchNorm { }

    /// <summary>Global average pooling before the classifier.</summary>
    [Input(3, 5, 5)]
    [Conv(4, 3, Pad = 1)] [Tanh]
    [GlobalAvgPool]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradGlobalAvgPool { }

    /// <summary>An identity residual block, then a projection block that changes the channels at stride 1 (no batch normalisation inside F).</summary>
    [Input(2, 5, 5)]
    [Conv(3, 3, Pad = 1)] [Tanh]
    [Residual] [Conv(3, 3, Pad = 1)] [Tanh] [Conv(3, 3, Pad = 1)] [EndResidual] [Tanh]
    [Residual(Projection = true)] [Conv(4, 3, Pad = 1)] [Tanh] [Conv(4, 3, Pad = 1)] [EndResidual] [Relu]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradResidual { }

    /// <summary>A small ResNet: stem with batch normalisation, an identity block, a stride-2 projection block, another identity block.</summary>
    [Input(2, 7, 7)]
    [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu]
    [Residual] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual(Projection = true)] [Conv(6, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [GlobalAvgPool]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradSmallResNet { }

    /// <summary>The same three residual blocks with batch normalisation (identity, projection with stride 2, identity),
    /// with tanh in place of ReLU: a smooth network, so central differences in float32 can check every parameter.</summary>
    [Input(2, 7, 7)]
    [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Tanh]
    [Residual] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Tanh] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Tanh]
    [Residual(Projection = true)] [Conv(6, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Tanh] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Tanh]
    [Residual] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [Tanh] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Tanh]
    [GlobalAvgPool]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GradSmallResNetSmooth { }

    // ---- Networks mirrored in PyTorch by scripts/golden/gradients_torch.py ----

    /// <summary>SimpleConvNet's layout on a 10x10 input.</summary>
    [Input(1, 10, 10)]
    [Conv(4, 3)] [Relu] [MaxPool(2)]
    [Affine(8)] [Relu]
    [Affine(5)]
    [SoftmaxWithLoss]
    public partial class GoldenSimpleConv { }

    /// <summary>Stride-2 padded convolution, tanh, padded average pooling (stride 2, 3x3), sigmoid.</summary>
    [Input(2, 9, 9)]
    [Conv(3, 3, Stride = 2, Pad = 1)] [Tanh] [AvgPool(3, Stride = 2, Pad = 1)]
    [Affine(6)] [Sigmoid]
    [Affine(4)]
    [SoftmaxWithLoss]
    public partial class GoldenAvgTanhSigmoid { }

    /// <summary>Batch normalisation and a stride-2 projection residual block, padded max pooling, global average pooling.</summary>
    [Input(2, 7, 7)]
    [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu]
    [Residual] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(4, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual(Projection = true)] [Conv(6, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(6, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [MaxPool(3, Stride = 1, Pad = 1)]
    [GlobalAvgPool]
    [Affine(3)]
    [SoftmaxWithLoss]
    public partial class GoldenResBatchNorm { }

    /// <summary>Batch normalisation after an affine layer on a flattened 3x4x4 input.</summary>
    [Input(3, 4, 4)]
    [Affine(10)] [BatchNorm] [Relu]
    [Affine(5)]
    [SoftmaxWithLoss]
    public partial class GoldenAffineBatchNorm { }

#pragma warning disable CNN002 // torchvision's stride-2 geometry on an even input, as in ResNet18 (see Classic.cs)
    /// <summary>
    /// The small ResNet trained on Fashion-MNIST by SmallResNetTrainingTests: a 16-channel stem, an identity block, a
    /// stride-2 projection block to 32 channels (28x28 to 14x14), another identity block, global average pooling.
    /// </summary>
    [Input(1, 28, 28)]
    [Conv(16, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu]
    [Residual] [Conv(16, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(16, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual(Projection = true)] [Conv(32, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(32, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(32, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(32, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [GlobalAvgPool]
    [Affine(10)]
    [SoftmaxWithLoss]
    public partial class FashionResNet { }
#pragma warning restore CNN002

    /// <summary>Max pooling's two arg-max paths in a chunked training pass: after tanh (the pool records arg-max itself, the
    /// 16x16 input through the eight-window vector path) and after a ReLU folded into the convolution before it.</summary>
    [Input(2, 16, 16)]
    [Conv(4, 3, Pad = 1)] [Tanh] [MaxPool(2)]
    [Conv(4, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Affine(5)]
    [SoftmaxWithLoss]
    public partial class ChunkPoolNet { }
}
