using System;

namespace CnnGen.Training
{
    /// <summary>
    /// Cosine annealing, the closed form of PyTorch's <c>CosineAnnealingLR</c> without restarts:
    /// <c>minimum + (initial - minimum) * (1 + cos(pi * epoch / totalEpochs)) / 2</c>, held at <c>minimum</c> from
    /// <c>totalEpochs</c> on.
    /// </summary>
    public sealed class CosineSchedule : ILearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="initial">The learning rate at epoch 0.</param>
        /// <param name="totalEpochs">The epoch at which the rate reaches <paramref name="minimum"/>, >= 1.</param>
        /// <param name="minimum">The final learning rate, in [0, <paramref name="initial"/>].</param>
        public CosineSchedule(float initial, int totalEpochs, float minimum = 0f)
        {
            if (!(initial >= 0f) || float.IsInfinity(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "The learning rate must be finite and >= 0.");
            if (totalEpochs < 1) throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, "The number of epochs must be >= 1.");
            if (!(minimum >= 0f && minimum <= initial)) throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum must lie in [0, initial].");
            Initial = initial;
            TotalEpochs = totalEpochs;
            Minimum = minimum;
        }

        /// <summary>The learning rate at epoch 0.</summary>
        public float Initial { get; }

        /// <summary>The epoch at which the minimum is reached.</summary>
        public int TotalEpochs { get; }

        /// <summary>The final learning rate.</summary>
        public float Minimum { get; }

        /// <inheritdoc/>
        public float GetLearningRate(int epoch)
        {
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be >= 0.");
            if (epoch >= TotalEpochs) return Minimum;
            double cosine = (1.0 + Math.Cos(Math.PI * epoch / TotalEpochs)) / 2.0;
            return (float)(Minimum + (Initial - (double)Minimum) * cosine);
        }
    }
}
