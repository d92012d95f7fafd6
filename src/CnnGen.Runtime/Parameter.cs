using System;
using System.Collections.Generic;

namespace CnnGen
{
    /// <summary>What a parameter is for; optimisers and initialisers use it (weight decay and random
    /// initialisation apply to weights only).</summary>
    public enum ParameterRole
    {
        /// <summary>Convolution or affine weights.</summary>
        Weight,
        /// <summary>Convolution or affine bias (initialised to zero).</summary>
        Bias,
        /// <summary>Batch-normalisation scale gamma (initialised to one).</summary>
        Scale,
        /// <summary>Batch-normalisation shift beta (initialised to zero).</summary>
        Shift,
    }

    /// <summary>How a parameter is initialised by default (see the Training area's initialisers).</summary>
    public enum InitKind
    {
        /// <summary>All zeros (biases, batch-normalisation shifts).</summary>
        Zeros,
        /// <summary>All ones (batch-normalisation scales).</summary>
        Ones,
        /// <summary>He: normal with std sqrt(2 / fanIn); the default before ReLU.</summary>
        He,
        /// <summary>Xavier (Glorot): normal with std sqrt(1 / fanIn) as in the notes; the default before sigmoid/tanh.</summary>
        Xavier,
        /// <summary>Normal with the notes' fixed std 0.01.</summary>
        FixedStd,
    }

    /// <summary>
    /// One learnable tensor of a network, named as in the notes (<c>W1, b1, W2, ...</c>) with the notes'
    /// layouts: convolution <c>(FN, C, FH, FW)</c>, affine <c>(in, out)</c>. <see cref="Values"/> and
    /// <see cref="Gradients"/> are plain arrays owned by the network: read them, write them, but do not
    /// replace them. Not thread-safe for writing.
    /// </summary>
    public sealed class Parameter
    {
        private readonly int[] _shape;

        /// <summary>Creates a parameter with zeroed values and gradients.</summary>
        public Parameter(string name, int[] shape, ParameterRole role, int fanIn, int fanOut, InitKind defaultInit)
            : this(name, shape, role, fanIn, fanOut, defaultInit, values: null)
        {
        }

        /// <summary>Creates a parameter that shares <paramref name="values"/> (used by inference copies).</summary>
        public Parameter(string name, int[] shape, ParameterRole role, int fanIn, int fanOut, InitKind defaultInit, float[]? values)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            _shape = (int[])(shape ?? throw new ArgumentNullException(nameof(shape))).Clone();
            int length = 1;
            foreach (int d in _shape)
            {
                if (d < 1) throw new ArgumentException($"Parameter '{name}': every dimension must be >= 1, got {string.Join("x", _shape)}.", nameof(shape));
                length = checked(length * d);
            }

            if (values is not null && values.Length != length)
            {
                throw new ArgumentException($"Parameter '{name}': expected {length} values, got {values.Length}.", nameof(values));
            }

            Role = role;
            DefaultInit = defaultInit;
            FanIn = fanIn;
            FanOut = fanOut;
            Values = values ?? new float[length];
            Gradients = new float[length];
        }

        /// <summary>The notes' name: <c>W1</c>, <c>b1</c>, ..., <c>gamma3</c>, <c>beta3</c>.</summary>
        public string Name { get; }

        /// <summary>The dimensions, outermost first.</summary>
        public IReadOnlyList<int> Shape => _shape;

        /// <summary>Number of elements.</summary>
        public int Length => Values.Length;

        /// <summary>What the parameter is for.</summary>
        public ParameterRole Role { get; }

        /// <summary>The initialisation chosen for this parameter from the activation that follows its layer.</summary>
        public InitKind DefaultInit { get; }

        /// <summary>Inputs feeding one output unit (for He/Xavier initialisation).</summary>
        public int FanIn { get; }

        /// <summary>Outputs fed by one input unit (for Xavier initialisation).</summary>
        public int FanOut { get; }

        /// <summary>The values, row-major in <see cref="Shape"/>.</summary>
        public float[] Values { get; }

        /// <summary>The gradient of the last loss with respect to <see cref="Values"/>, filled by Backward.</summary>
        public float[] Gradients { get; }

        /// <summary>The shape as text, e.g. <c>30x1x5x5</c>.</summary>
        public string ShapeText => string.Join("x", _shape);

        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({ShapeText})";
    }

    /// <summary>
    /// A non-learned tensor that belongs to the model's state, such as batch normalisation's running
    /// mean and variance. Saved and loaded with the parameters.
    /// </summary>
    public sealed class StateBuffer
    {
        private readonly int[] _shape;

        /// <summary>Creates a buffer filled with <paramref name="initialValue"/>.</summary>
        public StateBuffer(string name, int[] shape, float initialValue)
        {
            Name = name;
            _shape = (int[])shape.Clone();
            int length = 1;
            foreach (int d in _shape) length = checked(length * d);
            Values = new float[length];
            Values.AsSpan().Fill(initialValue);
        }

        /// <summary>Name, e.g. <c>running_mean3</c>.</summary>
        public string Name { get; }

        /// <summary>The dimensions.</summary>
        public IReadOnlyList<int> Shape => _shape;

        /// <summary>The values.</summary>
        public float[] Values { get; }

        /// <summary>The shape as text.</summary>
        public string ShapeText => string.Join("x", _shape);
    }
}
