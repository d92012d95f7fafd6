namespace CnnGen.Training
{
    /// <summary>Which initialisation <see cref="Initializer"/> uses for weights.</summary>
    public enum InitScheme
    {
        /// <summary>Each parameter's own <see cref="Parameter.DefaultInit"/> (He before ReLU, Xavier before sigmoid/tanh, ...).</summary>
        Default,
        /// <summary>Every weight normal with a fixed std (the notes' <c>weight_init_std = 0.01</c> unless another std is given).</summary>
        FixedStd,
        /// <summary>Every weight normal with std <c>sqrt(2 / fanIn)</c>.</summary>
        He,
        /// <summary>Every weight normal with std <c>sqrt(1 / fanIn)</c>, as the notes define Xavier.</summary>
        Xavier,
    }
}
