namespace CnnGen
{
    /// <summary>
    /// Softmax over the last layer's outputs with cross-entropy loss against integer labels,
    /// <c>E = -(1/N) sum log(softmax(z)[t] + 1e-7)</c>, computed stably (row maximum subtracted).
    /// Must be the last layer, at most once. Forward still returns the logits.
    /// </summary>
    public sealed class SoftmaxWithLossAttribute : LayerAttribute
    {
    }
}
