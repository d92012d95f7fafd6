namespace CnnGen.Training
{
    /// <summary>Mean loss and accuracy over a pass through a data set.</summary>
    /// <param name="MeanLoss">The loss averaged over samples.</param>
    /// <param name="Accuracy">The fraction of samples whose highest score is at the label.</param>
    /// <param name="Samples">The number of samples seen.</param>
    public readonly record struct TrainingResult(double MeanLoss, double Accuracy, int Samples);

    /// <summary>Progress of <see cref="Trainer.TrainEpoch"/> after one batch.</summary>
    /// <param name="Batch">The batch just finished (0-based).</param>
    /// <param name="BatchCount">The number of batches in the epoch.</param>
    /// <param name="BatchLoss">The mean loss of that batch.</param>
    /// <param name="MeanLoss">The mean loss so far in the epoch.</param>
    /// <param name="Accuracy">The training accuracy so far in the epoch.</param>
    public readonly record struct TrainingProgress(int Batch, int BatchCount, float BatchLoss, double MeanLoss, double Accuracy);
}
