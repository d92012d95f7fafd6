using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>Plain stochastic gradient descent: <c>w -= lr * g</c> (PyTorch's <c>SGD</c> without momentum).</summary>
    public sealed class Sgd : Optimizer
    {
        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        public Sgd(float learningRate = 0.01f) : base(learningRate)
        {
        }

        /// <inheritdoc/>
        protected override void AllocateState(IReadOnlyList<Parameter> parameters)
        {
        }

        /// <inheritdoc/>
        protected override void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch)
        {
            TensorPrimitives.MultiplyAdd(gradient, -LearningRate, values, values);
        }
    }
}
