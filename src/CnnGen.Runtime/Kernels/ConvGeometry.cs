using System;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Every dimension of one convolution or pooling window layer in one place, so forward and backward
    /// can never disagree about a shape. Output sizes come from the shared formula
    /// <c>out = floor((N - F + 2P) / S) + 1</c>.
    /// </summary>
    public readonly struct ConvGeometry
    {
        /// <summary>Describes a layer over <c>channels x height x width</c> inputs with <paramref name="filters"/> outputs
        /// (equal to <paramref name="channels"/> for pooling), a square <paramref name="kernel"/>, stride and padding.</summary>
        public ConvGeometry(int channels, int height, int width, int filters, int kernel, int stride, int pad)
        {
            Guard.Positive(channels, nameof(channels));
            Guard.Positive(height, nameof(height));
            Guard.Positive(width, nameof(width));
            Guard.Positive(filters, nameof(filters));
            Guard.Positive(kernel, nameof(kernel));
            Guard.Positive(stride, nameof(stride));
            if (pad < 0) throw new ArgumentException($"'pad' must be at least 0, got {pad}.", nameof(pad));
            long oh = ShapeMath.OutputSize(height, kernel, stride, pad);
            long ow = ShapeMath.OutputSize(width, kernel, stride, pad);
            if (oh < 1 || ow < 1)
            {
                throw new ArgumentException($"A {kernel}x{kernel} window with stride {stride} and pad {pad} does not fit a {height}x{width} input (output {oh}x{ow}).");
            }

            Channels = channels;
            Height = height;
            Width = width;
            Filters = filters;
            Kernel = kernel;
            Stride = stride;
            Pad = pad;
            OutHeight = (int)oh;
            OutWidth = (int)ow;
        }

        /// <summary>Input channels C.</summary>
        public int Channels { get; }
        /// <summary>Input height H.</summary>
        public int Height { get; }
        /// <summary>Input width W.</summary>
        public int Width { get; }
        /// <summary>Output channels (filters FN).</summary>
        public int Filters { get; }
        /// <summary>Window size F (square).</summary>
        public int Kernel { get; }
        /// <summary>Stride S.</summary>
        public int Stride { get; }
        /// <summary>Padding P.</summary>
        public int Pad { get; }
        /// <summary>Output height OH.</summary>
        public int OutHeight { get; }
        /// <summary>Output width OW.</summary>
        public int OutWidth { get; }

        /// <summary>Floats in one input image, C*H*W.</summary>
        public int InputSize => Channels * Height * Width;
        /// <summary>Floats in one output image, FN*OH*OW.</summary>
        public int OutputSize => Filters * OutHeight * OutWidth;
        /// <summary>Output positions per channel, OH*OW.</summary>
        public int OutPlane => OutHeight * OutWidth;
        /// <summary>Rows of the im2col matrix, C*F*F.</summary>
        public int PatchSize => Channels * Kernel * Kernel;
        /// <summary>Weights, FN*C*F*F.</summary>
        public int WeightSize => Filters * PatchSize;
        /// <summary>Floats of the im2col buffer for one image, C*F*F*OH*OW.</summary>
        public int ColumnSize => PatchSize * OutPlane;

        /// <inheritdoc/>
        public override string ToString() => $"{Channels}x{Height}x{Width} -> {Filters}x{OutHeight}x{OutWidth} (k{Kernel} s{Stride} p{Pad})";
    }
}
