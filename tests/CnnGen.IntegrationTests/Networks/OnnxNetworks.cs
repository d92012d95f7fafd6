using CnnGen;

namespace CnnGen.IntegrationTests.Networks
{
    // LeNet-5 is declared once, in Classic.cs.

    /// <summary>A small ResNet-style network: batch normalisation, an identity shortcut, a padded max pool, global
    /// average pooling and dropout.</summary>
    [Input(3, 11, 11)]
    [Residual] [Conv(3, 3, Pad = 1)] [BatchNorm] [Relu] [Conv(3, 3, Pad = 1)] [BatchNorm] [EndResidual] [Relu]
    [Conv(8, 3, Pad = 1)] [BatchNorm] [Relu] [MaxPool(3, Stride = 2, Pad = 1)]
    [GlobalAvgPool] [Dropout(0.3)] [Affine(5)]
    [SoftmaxWithLoss]
    public partial class TinyResNet { }

    /// <summary>A residual block with a projection shortcut (1x1 convolution with stride 2 and batch normalisation),
    /// then global average pooling. Like <see cref="TinyResNet"/>, the block opens right after the input.</summary>
    [Input(4, 8, 8)]
    [Residual(Projection = true)] [Conv(8, 2, Stride = 2)] [BatchNorm] [Relu] [Conv(8, 3, Pad = 1)] [BatchNorm] [EndResidual] [Relu]
    [GlobalAvgPool] [Affine(4)]
    [SoftmaxWithLoss]
    public partial class ProjectionResNet { }

    /// <summary>Padded average pooling, a convolution without bias, a padded stride-1 max pool, and batch
    /// normalisation after an affine layer.</summary>
    [Input(2, 7, 7)]
    [AvgPool(3, Stride = 2, Pad = 1)] [Conv(4, 3, Pad = 1, Bias = false)] [Sigmoid] [MaxPool(2, Stride = 1, Pad = 1)]
    [Affine(6)] [BatchNorm] [Tanh] [Dropout(0.5)] [Affine(3)]
    [SoftmaxWithLoss]
    public partial class PaddedPoolNet { }
}
