using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// AdaGrad as PyTorch's <c>Adagrad</c> (no learning-rate decay, zero initial accumulator):
    /// <c>h += g * g; w -= lr * g / (sqrt(h) + eps)</c>.
    /// </summary>
    /// <remarks>Some textbook implementations add 1e-7 instead; the default epsilon here is PyTorch's 1e-10.</remarks>
    public sealed class AdaGrad : Optimizer
    {
        private float[][] _sum = Array.Empty<float[]>();

        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        /// <param name="epsilon">Added to the square root of the accumulator.</param>
        public AdaGrad(float learningRate = 0.01f, float epsilon = 1e-10f) : base(learningRate)
        {
            if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be >= 0.");
            Epsilon = epsilon;
        }

        /// <summary>The epsilon added to the denominator.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        protected override void AllocateState(IReadOnlyList<Parameter> parameters) => _sum = ZeroBuffers(parameters);

        /// <inheritdoc/>
        protected override void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch)
        {
            Span<float> h = _sum[index].AsSpan(offset, values.Length);
            TensorPrimitives.MultiplyAdd(gradient, gradient, h, h);
            TensorPrimitives.Sqrt(h, scratch);
            TensorPrimitives.Add(scratch, Epsilon, scratch);
            TensorPrimitives.Divide(gradient, scratch, scratch);
            TensorPrimitives.MultiplyAdd(scratch, -LearningRate, values, values);
        }
    }
}
