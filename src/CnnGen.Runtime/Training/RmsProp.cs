using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// RMSprop as PyTorch's <c>RMSprop</c> (not centred, no momentum):
    /// <c>v = alpha * v + (1 - alpha) * g * g; w -= lr * g / (sqrt(v) + eps)</c>.
    /// There is no bias correction, and epsilon is added outside the square root.
    /// </summary>
    public sealed class RmsProp : Optimizer
    {
        private float[][] _meanSquare = Array.Empty<float[]>();

        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        /// <param name="alpha">The decay rate of the squared-gradient average, in [0, 1).</param>
        /// <param name="epsilon">Added to the square root of the average.</param>
        public RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f) : base(learningRate)
        {
            if (!(alpha >= 0f && alpha < 1f)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must lie in [0, 1).");
            if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be >= 0.");
            Alpha = alpha;
            Epsilon = epsilon;
        }

        /// <summary>The decay rate of the squared-gradient average.</summary>
        public float Alpha { get; }

        /// <summary>The epsilon added to the denominator.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        protected override void AllocateState(IReadOnlyList<Parameter> parameters) => _meanSquare = ZeroBuffers(parameters);

        /// <inheritdoc/>
        protected override void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch)
        {
            Span<float> v = _meanSquare[index].AsSpan(offset, values.Length);
            TensorPrimitives.Multiply(v, Alpha, v);
            TensorPrimitives.Multiply(gradient, gradient, scratch);
            TensorPrimitives.MultiplyAdd(scratch, 1f - Alpha, v, v);
            TensorPrimitives.Sqrt(v, scratch);
            TensorPrimitives.Add(scratch, Epsilon, scratch);
            TensorPrimitives.Divide(gradient, scratch, scratch);
            TensorPrimitives.MultiplyAdd(scratch, -LearningRate, values, values);
        }
    }
}
