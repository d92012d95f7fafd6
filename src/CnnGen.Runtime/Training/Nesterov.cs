using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// Nesterov accelerated gradient in PyTorch's formulation (<c>SGD(nesterov=True)</c>, dampening 0):
    /// <c>v = mu * v + g; w -= lr * (g + mu * v)</c>.
    /// </summary>
    /// <remarks>
    /// The classic form <c>v = mu * v - lr * g; w += mu * mu * v - (1 + mu) * lr * g</c> is the same update while the
    /// learning rate is constant.
    /// </remarks>
    public sealed class Nesterov : Optimizer
    {
        private float[][] _velocity = Array.Empty<float[]>();

        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        /// <param name="momentum">The momentum coefficient mu, in [0, 1).</param>
        public Nesterov(float learningRate = 0.01f, float momentum = 0.9f) : base(learningRate)
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
            TensorPrimitives.MultiplyAdd(v, MomentumCoefficient, gradient, scratch);
            TensorPrimitives.MultiplyAdd(scratch, -LearningRate, values, values);
        }
    }
}
