using System;

namespace CnnGen.Training
{
    /// <summary>The same learning rate for every epoch.</summary>
    public sealed class ConstantSchedule : ILearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="learningRate">The learning rate, finite and >= 0.</param>
        public ConstantSchedule(float learningRate)
        {
            if (!(learningRate >= 0f) || float.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and >= 0.");
            LearningRate = learningRate;
        }

        /// <summary>The learning rate.</summary>
        public float LearningRate { get; }

        /// <inheritdoc/>
        public float GetLearningRate(int epoch) => LearningRate;
    }
}
