namespace CnnGen
{
    /// <summary>
    /// Max pooling over <c>size x size</c> windows per channel. <c>C x H x W</c> gives <c>C x OH x OW</c>
    /// with <c>OH = floor((H - size + 2*Pad) / Stride) + 1</c>. Padding never wins the maximum.
    /// Backward sends each gradient to the position of the window's maximum.
    /// </summary>
    public sealed class MaxPoolAttribute : LayerAttribute
    {
        /// <summary>Creates a max pooling layer; the stride defaults to the window size.</summary>
        public MaxPoolAttribute(int size) { Size = size; }

        /// <summary>Window height and width.</summary>
        public int Size { get; }

        /// <summary>Step between windows; 0 (the default) means the window size.</summary>
        public int Stride { get; set; }

        /// <summary>Padding on every side; default 0.</summary>
        public int Pad { get; set; }
    }

    /// <summary>
    /// Average pooling (LeNet's sub-sampling) over <c>size x size</c> windows per channel.
    /// <c>C x H x W</c> gives <c>C x OH x OW</c> with <c>OH = floor((H - size + 2*Pad) / Stride) + 1</c>.
    /// The average always divides by <c>size * size</c> (padding counts as zeros).
    /// </summary>
    public sealed class AvgPoolAttribute : LayerAttribute
    {
        /// <summary>Creates an average pooling layer; the stride defaults to the window size.</summary>
        public AvgPoolAttribute(int size) { Size = size; }

        /// <summary>Window height and width.</summary>
        public int Size { get; }

        /// <summary>Step between windows; 0 (the default) means the window size.</summary>
        public int Stride { get; set; }

        /// <summary>Padding on every side; default 0.</summary>
        public int Pad { get; set; }
    }

    /// <summary>
    /// Global average pooling: <c>C x H x W</c> gives <c>C x 1 x 1</c>, the mean of each channel.
    /// </summary>
    public sealed class GlobalAvgPoolAttribute : LayerAttribute
    {
    }
}
