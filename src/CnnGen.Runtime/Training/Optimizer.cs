using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace CnnGen.Training
{
    /// <summary>
    /// Shared machinery of the optimisers: binding to one parameter list, allocating the per-parameter state once,
    /// the step counter and L2 weight decay on <see cref="ParameterRole.Weight"/> parameters.
    /// </summary>
    /// <remarks>
    /// <see cref="WeightDecay"/> is classic L2 regularisation, as PyTorch's <c>weight_decay</c>: the effective gradient is
    /// <c>g + weightDecay * w</c> for weights; biases, scales and shifts are never decayed. The sum is formed in a scratch
    /// buffer, so <see cref="Parameter.Gradients"/> are left untouched.
    /// </remarks>
    public abstract class Optimizer : IOptimizer
    {
        private Parameter[]? _bound;
        private float[] _decayed = Array.Empty<float>();
        private float[] _work = Array.Empty<float>();
        private float _learningRate;
        private float _weightDecay;

        /// <summary>Creates an optimiser with the given learning rate.</summary>
        /// <param name="learningRate">The step size; must be positive and finite.</param>
        protected Optimizer(float learningRate)
        {
            LearningRate = learningRate;
        }

        /// <inheritdoc/>
        public float LearningRate
        {
            get => _learningRate;
            set
            {
                if (!(value >= 0f) || float.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and >= 0.");
                _learningRate = value;
            }
        }

        /// <summary>L2 weight decay applied to <see cref="ParameterRole.Weight"/> parameters only (0 = none).</summary>
        public float WeightDecay
        {
            get => _weightDecay;
            set
            {
                if (!(value >= 0f) || float.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The weight decay must be finite and >= 0.");
                _weightDecay = value;
            }
        }

        /// <summary>Number of steps taken so far (the <c>t</c> of bias correction).</summary>
        public long StepCount { get; private set; }

        /// <summary>Whether the optimiser has been bound to a parameter list.</summary>
        public bool IsBound => _bound is not null;

        /// <summary>Binds the optimiser to <paramref name="parameters"/> and allocates its state now rather than on the first step.</summary>
        /// <param name="parameters">The parameters later passed to <see cref="Step"/>.</param>
        /// <exception cref="InvalidOperationException">Already bound to a different list.</exception>
        public void Bind(IReadOnlyList<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (_bound is not null)
            {
                EnsureSameParameters(parameters);
                return;
            }

            var bound = new Parameter[parameters.Count];
            int maxLength = 0;
            for (int i = 0; i < bound.Length; i++)
            {
                bound[i] = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
                maxLength = Math.Max(maxLength, bound[i].Length);
            }

            AllocateState(bound);
            _decayed = new float[maxLength];
            _work = new float[maxLength];
            _bound = bound;
        }

        /// <inheritdoc/>
        public void Step(IReadOnlyList<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (_bound is null) Bind(parameters);
            else EnsureSameParameters(parameters);

            StepCount++;
            OnStepStarting();
            Parameter[] bound = _bound!;
            for (int i = 0; i < bound.Length; i++)
            {
                Parameter p = bound[i];
                int n = p.Length;
                ReadOnlySpan<float> g = p.Gradients;
                bool decays = _weightDecay != 0f && p.Role == ParameterRole.Weight;
                if (decays && !DecoupledDecay)
                {
                    Span<float> decayed = _decayed.AsSpan(0, n);
                    TensorPrimitives.MultiplyAdd(p.Values, _weightDecay, g, decayed);
                    g = decayed;
                }

                Update(i, p.Values, g, decays && DecoupledDecay ? _weightDecay : 0f, _work.AsSpan(0, n));
            }
        }

        /// <summary>When true, weight decay is not added to the gradient; <see cref="Update"/> receives it instead (decoupled, AdamW-style).</summary>
        protected virtual bool DecoupledDecay => false;

        /// <summary>Called once per step, after <see cref="StepCount"/> is incremented and before the parameters are updated.</summary>
        protected virtual void OnStepStarting()
        {
        }

        /// <summary>Allocates the per-parameter state (called once, when the optimiser is bound).</summary>
        /// <param name="parameters">The bound parameters.</param>
        protected abstract void AllocateState(IReadOnlyList<Parameter> parameters);

        /// <summary>Updates one parameter.</summary>
        /// <param name="index">The parameter's position in the bound list (indexes the state).</param>
        /// <param name="values">The values to update in place.</param>
        /// <param name="gradient">The gradient, with L2 weight decay already added when it applies.</param>
        /// <param name="decoupledDecay">The decoupled weight decay to apply (0 unless <see cref="DecoupledDecay"/> and the parameter is a weight).</param>
        /// <param name="scratch">Work space of the parameter's length that does not alias <paramref name="gradient"/>.</param>
        protected abstract void Update(int index, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch);

        private void EnsureSameParameters(IReadOnlyList<Parameter> parameters)
        {
            Parameter[] bound = _bound!;
            if (parameters.Count != bound.Length)
            {
                throw new InvalidOperationException(
                    $"{GetType().Name} is bound to {bound.Length} parameters but was given {parameters.Count}; use one optimiser per parameter list.");
            }

            for (int i = 0; i < bound.Length; i++)
            {
                if (!ReferenceEquals(parameters[i], bound[i]))
                {
                    throw new InvalidOperationException(
                        $"{GetType().Name} is bound to a different parameter list: position {i} holds '{parameters[i]?.Name}' instead of '{bound[i].Name}'; use one optimiser per parameter list.");
                }
            }
        }

        /// <summary>Allocates one zeroed buffer per parameter, of the parameter's length.</summary>
        /// <param name="parameters">The parameters.</param>
        /// <returns>The buffers, in parameter order.</returns>
        protected static float[][] ZeroBuffers(IReadOnlyList<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            var buffers = new float[parameters.Count][];
            for (int i = 0; i < buffers.Length; i++) buffers[i] = new float[parameters[i].Length];
            return buffers;
        }
    }
}
