using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// SGD with momentum in PyTorch's formulation (dampening 0): <c>v = mu * v + g; w -= lr * v</c>.
    /// </summary>
    /// <remarks>
    /// The textbook form <c>v = mu * v - lr * g; w += v</c> gives the same trajectory while the learning rate is constant;
    /// with a schedule, this form applies the new rate to the whole velocity at once.
    /// </remarks>
    public sealed class Momentum : Optimizer
    {
        private float[][] _velocity = Array.Empty<float[]>();

        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        /// <param name="momentum">The momentum coefficient mu, in [0, 1).</param>
        public Momentum(float learningRate = 0.01f, float momentum = 0.9f) : base(learningRate)
        {
            if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must lie in [0, 1).");
            MomentumCoefficient = momentum;
        }

        /// <summary>The momentum coefficient mu.</summary>
        public float MomentumCoefficient { get; }

        /// <inheritdoc/>
        protected override void AllocateState(IReadOnlyList<Parameter> parameters) => _velocity = ZeroBuffers(parameters);

        /// <inheritdoc/>
        protected override void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch)
        {
            Span<float> v = _velocity[index].AsSpan(offset, values.Length);
            TensorPrimitives.MultiplyAdd(v, MomentumCoefficient, gradient, v);
            TensorPrimitives.MultiplyAdd(v, -LearningRate, values, values);
        }
    }
}
