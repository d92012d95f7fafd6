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

    /// <summary>One row of a network's summary: a layer, its output shape, parameter count and forward FLOPs per image.</summary>
    public sealed record LayerInfo(int Index, string Kind, string Description, TensorShape OutputShape, long ParameterCount, long ForwardFlops);
}
