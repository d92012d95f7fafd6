using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using CnnGen.Kernels;

namespace CnnGen.Training
{
    /// <summary>
    /// Shared machinery of the optimisers: binding to one parameter list, allocating the per-parameter state once,
    /// the step counter and L2 weight decay on <see cref="ParameterRole.Weight"/> parameters.
    /// </summary>
    /// <remarks>
    /// <para><see cref="WeightDecay"/> is classic L2 regularisation, as PyTorch's <c>weight_decay</c>: the effective gradient is
    /// <c>g + weightDecay * w</c> for weights; biases, scales and shifts are never decayed. The sum is formed in a scratch
    /// buffer, so <see cref="Parameter.Gradients"/> are left untouched.</para>
    /// <para>A step updates the parameters in blocks of <see cref="BlockSize"/> elements, so that an update's several passes
    /// over values, gradient and state (Adam makes eight) run in cache rather than through memory, and shares the blocks
    /// among up to <see cref="KernelDispatch.MaxDegreeOfParallelism"/> threads when there are many. Every update is
    /// elementwise, so the result is the same for any blocking and thread count.</para>
    /// </remarks>
    public abstract class Optimizer : IOptimizer
    {
        /// <summary>Elements per block of an update: a block's values, gradient, state and scratch (32 KiB each) stay in L2.</summary>
        public const int BlockSize = 8 * 1024;

        /// <summary>Elements of all parameters together from which a step's blocks are shared among threads.</summary>
        private const int ParallelElements = 64 * 1024;

        private Parameter[]? _bound;
        private int[] _blockParameter = Array.Empty<int>(), _blockOffset = Array.Empty<int>();
        private int _elements;
        private UpdateJob? _job;

        /// <summary>Scratch per participant of a step (0: the calling thread; 1 and up: the pool's helpers, sized before they
        /// join), <see cref="BlockSize"/> floats for the decayed gradient then as many for the update's work.</summary>
        private float[][] _scratch = Array.Empty<float[]>();
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
            long blocks = 0, elements = 0;
            for (int i = 0; i < bound.Length; i++)
            {
                bound[i] = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
                blocks += (bound[i].Length + BlockSize - 1) / BlockSize;
                elements += bound[i].Length;
            }

            AllocateState(bound);
            _blockParameter = new int[blocks];
            _blockOffset = new int[blocks];
            for (int i = 0, b = 0; i < bound.Length; i++)
            {
                for (int offset = 0; offset < bound[i].Length; offset += BlockSize, b++)
                {
                    _blockParameter[b] = i;
                    _blockOffset[b] = offset;
                }
            }

            _elements = (int)Math.Min(int.MaxValue, elements);
            _job = new UpdateJob(this);
            EnsureScratch(1);
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
            if (_elements >= ParallelElements) ParallelBlocks.Run(_job!, _blockParameter.Length);
            else
            {
                for (int b = 0; b < _blockParameter.Length; b++) UpdateBlock(b);
            }
        }

        /// <summary>Updates block <paramref name="block"/> (of <see cref="BlockSize"/> elements of one parameter), with the
        /// calling thread's scratch.</summary>
        private void UpdateBlock(int block)
        {
            Parameter p = _bound![_blockParameter[block]];
            int offset = _blockOffset[block], n = Math.Min(BlockSize, p.Length - offset);
            Span<float> values = p.Values.AsSpan(offset, n);
            ReadOnlySpan<float> g = p.Gradients.AsSpan(offset, n);
            float[] scratch = _scratch[ParallelBlocks.ParticipantOf(_job!)];
            bool decays = _weightDecay != 0f && p.Role == ParameterRole.Weight;
            if (decays && !DecoupledDecay)
            {
                Span<float> decayed = scratch.AsSpan(0, n);
                TensorPrimitives.MultiplyAdd(values, _weightDecay, g, decayed);
                g = decayed;
            }

            Update(_blockParameter[block], offset, values, g, decays && DecoupledDecay ? _weightDecay : 0f, scratch.AsSpan(BlockSize, n));
        }

        /// <summary>Grows the scratch to <paramref name="participants"/> participants (only ever on the thread that steps, before
        /// any helper joins).</summary>
        private void EnsureScratch(int participants)
        {
            if (_scratch.Length >= participants) return;
            var scratch = new float[participants][];
            for (int i = 0; i < participants; i++) scratch[i] = i < _scratch.Length ? _scratch[i] : new float[2 * BlockSize];
            _scratch = scratch;
        }

        /// <summary>The blocks of a step as a job of the shared pool (one per optimiser, made when it is bound).</summary>
        private sealed class UpdateJob : IBlockJob
        {
            private readonly Optimizer _optimizer;

            public UpdateJob(Optimizer optimizer) => _optimizer = optimizer;

            public void Prepare(int helpers) => _optimizer.EnsureScratch(helpers + 1);

            public void Run(int block) => _optimizer.UpdateBlock(block);
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

        /// <summary>Updates elements [<paramref name="offset"/>, <paramref name="offset"/> + <c>values.Length</c>) of one
        /// parameter (a block of at most <see cref="BlockSize"/>). Blocks of a step may be updated in any order and on several
        /// threads at once, so an update must be elementwise: each element's new value and state depend only on that
        /// element's value, gradient and state (and on what <see cref="OnStepStarting"/> computed).</summary>
        /// <param name="index">The parameter's position in the bound list (indexes the state).</param>
        /// <param name="offset">The block's first element within the parameter (offsets the state).</param>
        /// <param name="values">The block's values, to update in place.</param>
        /// <param name="gradient">The block's gradient, with L2 weight decay already added when it applies.</param>
        /// <param name="decoupledDecay">The decoupled weight decay to apply (0 unless <see cref="DecoupledDecay"/> and the parameter is a weight).</param>
        /// <param name="scratch">Work space of the block's length that does not alias <paramref name="gradient"/>.</param>
        protected abstract void Update(int index, int offset, Span<float> values, ReadOnlySpan<float> gradient, float decoupledDecay, Span<float> scratch);

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
