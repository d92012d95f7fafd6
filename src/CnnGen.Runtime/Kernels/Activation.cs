namespace CnnGen.Kernels
{
    /// <summary>An elementwise activation whose backward pass needs only its output (<see cref="Activations"/>).</summary>
    public enum Activation
    {
        /// <summary><c>max(x, 0)</c>: the gradient passes where the output is positive.</summary>
        Relu,

        /// <summary><c>1 / (1 + e^-x)</c>: the gradient is scaled by <c>y (1 - y)</c>.</summary>
        Sigmoid,

        /// <summary><c>tanh(x)</c>: the gradient is scaled by <c>1 - y²</c>.</summary>
        Tanh,
    }
}
