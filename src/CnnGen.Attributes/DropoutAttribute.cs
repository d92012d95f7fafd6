namespace CnnGen
{
    /// <summary>
    /// Inverted dropout: in training mode each value is zeroed with probability <c>rate</c> and the
    /// survivors scaled by <c>1 / (1 - rate)</c>; in inference mode it is the identity. Shape unchanged.
    /// The rate must lie in [0, 1).
    /// </summary>
    public sealed class DropoutAttribute : LayerAttribute
    {
        /// <summary>Creates a dropout layer that drops a fraction <paramref name="rate"/> of its inputs.</summary>
        public DropoutAttribute(double rate) { Rate = rate; }

        /// <summary>Probability of dropping a value, in [0, 1).</summary>
        public double Rate { get; }
    }
}
