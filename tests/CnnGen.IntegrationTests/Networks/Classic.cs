using CnnGen;

namespace CnnGen.IntegrationTests.Networks
{
    /// <summary>
    /// LeNet-5 as usually re-implemented on 28x28 MNIST: the first convolution pads by 2 so its 5x5 kernels see the
    /// 32x32 field of the original; average pooling stands for the original's trainable sub-sampling.
    /// </summary>
    [Input(1, 28, 28)]
    [Conv(6, 5, Pad = 2)] [Tanh] [AvgPool(2)]
    [Conv(16, 5)] [Tanh] [AvgPool(2)]
    [Affine(120)] [Tanh]
    [Affine(84)] [Sigmoid]
    [Affine(10)]
    [SoftmaxWithLoss]
    public partial class LeNet5 { }

    // CNN002 is expected here: (224 - 11 + 2*3) = 219 is not a multiple of the stride 4, so the last 3 padded columns and
    // rows (padding only) are never read. That is how the notes' AlexNet reaches 55x55 from 224x224 (the original paper's
    // 224 input has the same mismatch), so the warning is suppressed for this one declaration only.
#pragma warning disable CNN002
    /// <summary>
    /// The notes' AlexNet (the original single-tower layout, 96-256-384-384-256 filters) on 3x224x224:
    /// 96x55x55 after the first convolution, 96x27x27 after the first pooling, 256x6x6 before the classifier.
    /// </summary>
    [Input(3, 224, 224)]
    [Conv(96, 11, Stride = 4, Pad = 3)] [Relu] [MaxPool(3, Stride = 2)]
    [Conv(256, 5, Pad = 2)] [Relu] [MaxPool(3, Stride = 2)]
    [Conv(384, 3, Pad = 1)] [Relu]
    [Conv(384, 3, Pad = 1)] [Relu]
    [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(3, Stride = 2)]
    [Affine(4096)] [Relu] [Dropout(0.5)]
    [Affine(4096)] [Relu] [Dropout(0.5)]
    [Affine(1000)]
    [SoftmaxWithLoss]
    public partial class AlexNet { }
#pragma warning restore CNN002

    /// <summary>
    /// VGG-16 (configuration D) in torchvision's layout: thirteen 3x3 convolutions with padding 1 and ReLU, five 2x2 max-poolings,
    /// then the classifier. torchvision puts an AdaptiveAvgPool2d((7, 7)) between the last pooling and the classifier; at a
    /// 224x224 input the features are already 512x7x7 there, so that pooling is the identity and is left out.
    /// </summary>
    [Input(3, 224, 224)]
    [Conv(64, 3, Pad = 1)] [Relu] [Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(128, 3, Pad = 1)] [Relu] [Conv(128, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
    [Affine(4096)] [Relu] [Dropout(0.5)]
    [Affine(4096)] [Relu] [Dropout(0.5)]
    [Affine(1000)]
    [SoftmaxWithLoss]
    public partial class Vgg16 { }

    // CNN002 is expected here too: torchvision's stride-2 layers with odd windows leave one padded row and column unread
    // at each down-sampling ((224 - 7 + 2*3) = 223, (112 - 3 + 2*1) = 111, (56 - 3 + 2*1) = 55, ... are odd). That is the
    // reference architecture (112, 56, 28, 14, 7 as in torchvision), so the warning is suppressed for this declaration only.
#pragma warning disable CNN002
    /// <summary>
    /// ResNet-18 in torchvision's layout: 7x7/2 stem without bias, batch normalisation, ReLU, 3x3/2 max-pooling with padding 1,
    /// four stages of two BasicBlocks (64, 128, 256, 512 channels; the first block of stages 2-4 has stride 2 and a 1x1
    /// convolution + batch normalisation on the shortcut), global average pooling and a 1000-way classifier.
    /// </summary>
    [Input(3, 224, 224)]
    [Conv(64, 7, Stride = 2, Pad = 3, Bias = false)] [BatchNorm] [Relu] [MaxPool(3, Stride = 2, Pad = 1)]
    // Stage 1: 64x56x56
    [Residual] [Conv(64, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(64, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(64, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(64, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    // Stage 2: 128x28x28
    [Residual(Projection = true)] [Conv(128, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(128, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(128, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(128, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    // Stage 3: 256x14x14
    [Residual(Projection = true)] [Conv(256, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(256, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(256, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(256, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    // Stage 4: 512x7x7
    [Residual(Projection = true)] [Conv(512, 3, Stride = 2, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(512, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [Residual] [Conv(512, 3, Pad = 1, Bias = false)] [BatchNorm] [Relu] [Conv(512, 3, Pad = 1, Bias = false)] [BatchNorm] [EndResidual] [Relu]
    [GlobalAvgPool]
    [Affine(1000)]
    [SoftmaxWithLoss]
    public partial class ResNet18 { }
#pragma warning restore CNN002
}
