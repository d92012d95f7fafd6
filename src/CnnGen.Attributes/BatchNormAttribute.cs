namespace CnnGen
{
    /// <summary>
    /// Batch normalisation: per channel after a convolution (statistics over N, H, W), per feature
    /// after an Affine (statistics over N). Shape unchanged. Learns a scale (gamma) and a shift (beta);
    /// keeps running averages of mean and variance for inference, saved with the parameters.
    /// </summary>
    public sealed class BatchNormAttribute : LayerAttribute
    {
        /// <summary>Weight of the old running average in each update: <c>run = m*run + (1-m)*batch</c>; default 0.9.</summary>
        public double Momentum { get; set; } = 0.9;

        /// <summary>Added to the variance before the square root; default 1e-5.</summary>
        public double Epsilon { get; set; } = 1e-5;
    }
}
