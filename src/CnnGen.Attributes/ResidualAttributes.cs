namespace CnnGen
{
    /// <summary>
    /// Opens a residual block: the layers up to the matching <see cref="EndResidualAttribute"/> compute
    /// <c>F(x)</c>, and the block outputs <c>F(x) + x</c>. When <c>F(x)</c> changes the shape, the
    /// shortcut must be a projection (a 1x1 convolution with the block's stride followed by batch
    /// normalisation, as in ResNet): set <see cref="Projection"/> to true. Blocks do not nest.
    /// </summary>
    public sealed class ResidualAttribute : LayerAttribute
    {
        /// <summary>Use a 1x1 convolution + batch normalisation on the shortcut so its shape matches F(x).</summary>
        public bool Projection { get; set; }
    }

    /// <summary>
    /// Closes the residual block opened by the last <see cref="ResidualAttribute"/>: adds the shortcut to
    /// the block's output. The two shapes must be equal (CNN011).
    /// </summary>
    public sealed class EndResidualAttribute : LayerAttribute
    {
    }
}
