namespace CnnGen
{
    /// <summary>
    /// Fully connected layer <c>y = x W + b</c>. The input <c>C x H x W</c> is flattened in (C, H, W)
    /// order to <c>C*H*W</c> features; the output is <c>units</c>. Weights have the layout
    /// <c>(in, units)</c>, bias <c>(units)</c>. After an Affine the data is flat: no Conv or pooling may follow.
    /// </summary>
    public sealed class AffineAttribute : LayerAttribute
    {
        /// <summary>Creates a fully connected layer with <paramref name="units"/> outputs.</summary>
        public AffineAttribute(int units) { Units = units; }

        /// <summary>Number of output features.</summary>
        public int Units { get; }
    }
}
