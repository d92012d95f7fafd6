using System;

namespace CnnGen
{
    /// <summary>The shape of one sample (no batch dimension): channels x height x width. A flat vector is <c>n x 1 x 1</c>.</summary>
    public readonly record struct TensorShape(int Channels, int Height, int Width)
    {
        /// <summary>Number of values in one sample.</summary>
        public int Size => Channels * Height * Width;

        /// <inheritdoc/>
        public override string ToString() => Height == 1 && Width == 1 ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Channels}x{Height}x{Width}";
    }

    /// <summary>The kind of a layer in <see cref="LayerInfo"/>.</summary>
    public enum LayerKind
    {
        /// <summary>The network input (row 0 of the summary).</summary>
        Input,
        /// <summary>2-D convolution.</summary>
        Conv,
        /// <summary>Max pooling.</summary>
        MaxPool,
        /// <summary>Average pooling.</summary>
        AvgPool,
        /// <summary>Global average pooling.</summary>
        GlobalAvgPool,
        /// <summary>ReLU.</summary>
        Relu,
        /// <summary>Sigmoid.</summary>
        Sigmoid,
        /// <summary>Tanh.</summary>
        Tanh,
        /// <summary>Fully connected layer.</summary>
        Affine,
        /// <summary>Dropout (identity at inference).</summary>
        Dropout,
        /// <summary>Batch normalisation.</summary>
        BatchNorm,
        /// <summary>Start of a residual block (marks x).</summary>
        ResidualBegin,
        /// <summary>End of a residual block: F(x) + shortcut(x).</summary>
        ResidualEnd,
        /// <summary>Softmax with cross-entropy loss.</summary>
        SoftmaxWithLoss,
    }

    /// <summary>
    /// One layer of a generated network as data: its kind, shapes, window, parameter names, cost. Exporters
    /// (ONNX), summaries and pictures walk these instead of reflecting over the network.
    /// </summary>
    public sealed record LayerInfo(int Index, LayerKind Kind, string Description, TensorShape InputShape, TensorShape OutputShape, long ParameterCount, long ForwardFlops)
    {
        /// <summary>Window size for convolution and pooling.</summary>
        public int Size { get; init; }
        /// <summary>Stride for convolution and pooling.</summary>
        public int Stride { get; init; }
        /// <summary>Padding for convolution and pooling.</summary>
        public int Pad { get; init; }
        /// <summary>Name of the weight parameter (conv, affine), e.g. <c>W1</c>.</summary>
        public string? Weight { get; init; }
        /// <summary>Name of the bias parameter, if any.</summary>
        public string? Bias { get; init; }
        /// <summary>Batch normalisation scale parameter name.</summary>
        public string? Gamma { get; init; }
        /// <summary>Batch normalisation shift parameter name.</summary>
        public string? Beta { get; init; }
        /// <summary>Batch normalisation running mean state name.</summary>
        public string? RunningMean { get; init; }
        /// <summary>Batch normalisation running variance state name.</summary>
        public string? RunningVar { get; init; }
        /// <summary>Batch normalisation epsilon.</summary>
        public double Epsilon { get; init; }
        /// <summary>Dropout rate.</summary>
        public double Rate { get; init; }
        /// <summary>For residual begin/end: the index of the matching end/begin layer.</summary>
        public int Partner { get; init; }
        /// <summary>For a residual end with a projection shortcut: the 1x1 convolution's stride (0 for identity).</summary>
        public int ShortcutStride { get; init; }
        /// <summary>Projection shortcut: convolution weight name.</summary>
        public string? ShortcutWeight { get; init; }
        /// <summary>Projection shortcut: batch normalisation names, in the order gamma, beta, running mean, running variance.</summary>
        public string[]? ShortcutNorm { get; init; }
    }
}
