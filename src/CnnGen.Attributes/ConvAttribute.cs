namespace CnnGen
{
    /// <summary>
    /// 2-D convolution (cross-correlation, no kernel flip) with <c>filters</c> square kernels of
    /// <c>size x size</c>. Input <c>C x H x W</c> gives <c>filters x OH x OW</c> with
    /// <c>OH = floor((H - size + 2*Pad) / Stride) + 1</c> (likewise OW). Weights have the layout
    /// <c>(filters, C, size, size)</c>, bias <c>(filters)</c>.
    /// </summary>
    public sealed class ConvAttribute : LayerAttribute
    {
        /// <summary>Creates a convolution with <paramref name="filters"/> kernels of <paramref name="size"/> x <paramref name="size"/>.</summary>
        public ConvAttribute(int filters, int size)
        {
            Filters = filters;
            Size = size;
        }

        /// <summary>Number of filters FN (output channels).</summary>
        public int Filters { get; }

        /// <summary>Kernel height and width.</summary>
        public int Size { get; }

        /// <summary>Step between neighbouring windows; default 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Zero padding added on every side; default 0.</summary>
        public int Pad { get; set; }

        /// <summary>Whether the layer has a bias per filter; default true (set false before <see cref="BatchNormAttribute"/>).</summary>
        public bool Bias { get; set; } = true;
    }
}
