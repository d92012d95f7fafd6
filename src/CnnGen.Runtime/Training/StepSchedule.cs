using System;

namespace CnnGen.Training
{
    /// <summary>Step decay, as PyTorch's <c>StepLR</c>: <c>initial * gamma^floor(epoch / stepSize)</c>.</summary>
    public sealed class StepSchedule : ILearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="initial">The learning rate of epochs 0 to <paramref name="stepSize"/> - 1.</param>
        /// <param name="stepSize">Epochs between decays, >= 1.</param>
        /// <param name="gamma">The factor applied at each decay, in (0, 1] normally.</param>
        public StepSchedule(float initial, int stepSize, float gamma)
        {
            if (!(initial >= 0f) || float.IsInfinity(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "The learning rate must be finite and >= 0.");
            if (stepSize < 1) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size must be >= 1.");
            if (!(gamma > 0f) || float.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be finite and > 0.");
            Initial = initial;
            StepSize = stepSize;
            Gamma = gamma;
        }

        /// <summary>The initial learning rate.</summary>
        public float Initial { get; }

        /// <summary>Epochs between decays.</summary>
        public int StepSize { get; }

        /// <summary>The decay factor.</summary>
        public float Gamma { get; }

        /// <inheritdoc/>
        public float GetLearningRate(int epoch)
        {
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be >= 0.");
            return (float)(Initial * Math.Pow(Gamma, epoch / StepSize));
        }
    }
}
