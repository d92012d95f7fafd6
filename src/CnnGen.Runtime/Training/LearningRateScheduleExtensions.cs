using System;

namespace CnnGen.Training
{
    /// <summary>Helpers that connect schedules to optimisers.</summary>
    public static class LearningRateScheduleExtensions
    {
        /// <summary>Sets <paramref name="optimizer"/>'s learning rate to the schedule's value for <paramref name="epoch"/>.</summary>
        /// <param name="schedule">The schedule.</param>
        /// <param name="optimizer">The optimiser to update.</param>
        /// <param name="epoch">The epoch (0-based).</param>
        /// <returns>The learning rate set.</returns>
        public static float Apply(this ILearningRateSchedule schedule, IOptimizer optimizer, int epoch)
        {
            ArgumentNullException.ThrowIfNull(schedule);
            ArgumentNullException.ThrowIfNull(optimizer);
            float rate = schedule.GetLearningRate(epoch);
            optimizer.LearningRate = rate;
            return rate;
        }
    }
}
