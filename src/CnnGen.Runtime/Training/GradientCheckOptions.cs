using System;

namespace CnnGen.Training
{
    /// <summary>Settings of <see cref="GradientCheck.Run"/>.</summary>
    public sealed class GradientCheckOptions
    {
        /// <summary>The default step <c>h</c> of the central difference, 1e-2.</summary>
        /// <remarks>
        /// The usual float64 step <c>h = 1e-4</c> is too small in float32: there the loss carries a rounding error of roughly
        /// <c>1e-7 * |L|</c> or more, and the central difference divides it by <c>2h</c>: near <c>L = 2</c> that is about 1e-4
        /// with <c>h = 1e-3</c> and 1e-5 with <c>h = 1e-2</c>, against gradients often of order 1e-3. The truncation error
        /// grows only as <c>h^2</c> (about 1e-6 at 1e-2), so 1e-2 is close to the best float32 step for smooth losses. A
        /// larger step more often moves a ReLU input or a max-pooling winner across its kink, where the two gradients
        /// legitimately disagree; if a ReLU network shows isolated failures, try 1e-3 and compare.
        /// </remarks>
        public const float DefaultStep = 1e-2f;

        private float _step = DefaultStep;
        private int? _maxElements;
        private double _floor = 1e-3;

        /// <summary>The step <c>h</c>; the numerical gradient is <c>(L(w + h) - L(w - h)) / 2h</c> (default <see cref="DefaultStep"/>).</summary>
        public float Step
        {
            get => _step;
            set
            {
                if (!(value > 0f) || float.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The step must be finite and > 0.");
                _step = value;
            }
        }

        /// <summary>At most this many elements per parameter are checked, chosen by a deterministic random sample
        /// (<c>null</c>, the default, checks every element).</summary>
        public int? MaxElementsPerParameter
        {
            get => _maxElements;
            set
            {
                if (value is < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "At least one element per parameter must be checked.");
                _maxElements = value;
            }
        }

        /// <summary>Seed of the element sample when <see cref="MaxElementsPerParameter"/> is set.</summary>
        public int SampleSeed { get; set; }

        /// <summary>When set, <see cref="INetwork.SetSeed"/> is called with this value before every loss evaluation, so
        /// dropout draws the same mask each time and the check is valid with dropout active.</summary>
        public int? NetworkSeed { get; set; }

        /// <summary>The relative difference is <c>|a - n| / max(|a|, |n|, floor)</c>: gradients smaller than this floor are
        /// compared on an absolute scale, so rounding noise on near-zero gradients does not count as a failure (default 1e-3).</summary>
        public double RelativeDifferenceFloor
        {
            get => _floor;
            set
            {
                if (!(value > 0.0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The floor must be finite and > 0.");
                _floor = value;
            }
        }
    }
}
