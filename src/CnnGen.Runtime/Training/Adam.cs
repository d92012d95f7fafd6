using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// Adam with bias correction, as PyTorch's <c>Adam</c> (or <c>AdamW</c> when <see cref="Decoupled"/> is set):
    /// <c>m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g * g;
    /// w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>.
    /// </summary>
    /// <remarks>
    /// Weight decay applies to <see cref="ParameterRole.Weight"/> parameters only. By default it is L2 regularisation
    /// added to the gradient (PyTorch <c>Adam(weight_decay=...)</c>); with <see cref="Decoupled"/> it is applied
    /// directly to the weights before the update, <c>w *= 1 - lr * weightDecay</c> (PyTorch <c>AdamW</c>).
    /// </remarks>
    public sealed class Adam : Optimizer
    {
        private float[][] _m = Array.Empty<float[]>();
        private float[][] _v = Array.Empty<float[]>();
        private float _stepSize;
        private float _correction2Sqrt;

        /// <summary>Creates the optimiser.</summary>
        /// <param name="learningRate">The step size.</param>
        /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
        /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
        /// <param name="epsilon">Added to the corrected root of the second moment.</param>
        /// <param name="weightDecay">Weight decay for weights (0 = none).</param>
        /// <param name="decoupled">True for decoupled (AdamW) weight decay, false for L2 added to the gradient.</param>
        public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool decoupled = false)
            : base(learningRate)
        {
            if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Beta1 must lie in [0, 1).");
            if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Beta2 must lie in [0, 1).");
            if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be >= 0.");
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            WeightDecay = weightDecay;
            Decoupled = decoupled;
        }

        /// <summary>Decay of the first-moment estimate.</summary>
        public float Beta1 { get; }

        /// <summary>Decay of the second-moment estimate.</summary>
        public float Beta2 { get; }

        /// <summary>The epsilon added to the denominator.</summary>
        public float Epsilon { get; }

        /// <summary>True: decoupled weight decay (AdamW); false: L2 weight decay added to the gradient.</summary>
        public bool Decoupled { get; }

        /// <inheritdoc/>
        protected override bool DecoupledDecay => Decoupled;

        /// <inheritdoc/>
        protected override void AllocateState(IReadOnlyList<Parameter> parameters)
        {
            _m = ZeroBuffers(parameters);
            _v = ZeroBuffers(parameters);
        }

        /// <inheritdoc/>
        protected override void OnStepStarting()
        {
            // The bias corrections, in double as PyTorch computes them.
            double t = StepCount;
            _stepSize = (float)(LearningRate / (1.0 - Math.Pow(Beta1, t)));
            _correction2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(Beta2, t));
        }

        /// <inheritdoc/>
        protected override void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch)
        {
            if (decoupledDecay != 0f) TensorPrimitives.Multiply(values, 1f - LearningRate * decoupledDecay, values);

            Span<float> m = _m[index].AsSpan(offset, values.Length);
            Span<float> v = _v[index].AsSpan(offset, values.Length);
            TensorPrimitives.Lerp(m, gradient, 1f - Beta1, m);
            TensorPrimitives.Multiply(v, Beta2, v);
            TensorPrimitives.Multiply(gradient, gradient, scratch);
            TensorPrimitives.MultiplyAdd(scratch, 1f - Beta2, v, v);
            TensorPrimitives.Sqrt(v, scratch);
            TensorPrimitives.Divide(scratch, _correction2Sqrt, scratch);
            TensorPrimitives.Add(scratch, Epsilon, scratch);
            TensorPrimitives.Divide(m, scratch, scratch);
            TensorPrimitives.MultiplyAdd(scratch, -_stepSize, values, values);
        }
    }
}
