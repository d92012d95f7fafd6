namespace CnnGen.Training
{
    /// <summary>A learning rate as a function of the epoch (or step) number, counted from 0.</summary>
    public interface ILearningRateSchedule
    {
        /// <summary>The learning rate for <paramref name="epoch"/> (0-based).</summary>
        /// <param name="epoch">The epoch or step number, from 0.</param>
        /// <returns>The learning rate.</returns>
        float GetLearningRate(int epoch);
    }
}
