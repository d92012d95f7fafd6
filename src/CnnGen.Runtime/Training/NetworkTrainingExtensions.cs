using System;

namespace CnnGen.Training
{
    /// <summary>Training helpers on <see cref="INetwork"/>.</summary>
    public static class NetworkTrainingExtensions
    {
        /// <summary>One training step on one batch: <see cref="INetwork.Loss"/>, <see cref="INetwork.Backward"/>, then
        /// <see cref="IOptimizer.Step"/> on the network's parameters.</summary>
        /// <param name="network">The network (used in its current mode; set <see cref="INetwork.IsTraining"/> first).</param>
        /// <param name="input">The batch inputs, <c>batch x InputSize</c>.</param>
        /// <param name="labels">The batch labels.</param>
        /// <param name="optimizer">The optimiser.</param>
        /// <returns>The mean loss of the batch, before the update.</returns>
        public static float TrainStep(this INetwork network, ReadOnlySpan<float> input, ReadOnlySpan<int> labels, IOptimizer optimizer)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(optimizer);
            float loss = network.Loss(input, labels);
            network.Backward();
            optimizer.Step(network.Parameters);
            return loss;
        }

        /// <summary>Counts the samples of the last forward pass whose highest logit or probability is at the label.</summary>
        /// <param name="scores">Logits or probabilities, <c>batch x classes</c>.</param>
        /// <param name="labels">The labels, one per sample.</param>
        /// <returns>The number of correct predictions.</returns>
        public static int CountCorrect(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels)
        {
            if (labels.Length == 0) return 0;
            if (scores.Length % labels.Length != 0) throw new ArgumentException($"{scores.Length} scores do not split into {labels.Length} samples.", nameof(scores));
            int classes = scores.Length / labels.Length;
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                ReadOnlySpan<float> row = scores.Slice(i * classes, classes);
                int best = 0;
                for (int j = 1; j < classes; j++)
                {
                    if (row[j] > row[best]) best = j;
                }

                if (best == labels[i]) correct++;
            }

            return correct;
        }
    }
}
