using System;
using CnnGen.Kernels;

namespace CnnGen.Training
{
    /// <summary>A plain mini-batch training loop and an evaluation loop over data held in memory.</summary>
    public static class Trainer
    {
        /// <summary>
        /// One epoch of mini-batch training in training mode. The samples are visited in a random order drawn from
        /// <paramref name="seed"/> (the network's dropout generator is seeded from it too), gathered into a contiguous batch;
        /// the last batch may be smaller. Allocates the visiting order and one batch buffer per call.
        /// </summary>
        /// <param name="network">The network; <see cref="INetwork.IsTraining"/> is true during the epoch and restored afterwards.</param>
        /// <param name="optimizer">The optimiser.</param>
        /// <param name="inputs">All samples, <c>count x InputSize</c>.</param>
        /// <param name="labels">One label per sample.</param>
        /// <param name="batchSize">Samples per batch, >= 1.</param>
        /// <param name="seed">Seed of the sample order and of the network's random generator.</param>
        /// <param name="progress">Receives a report after every batch, or <c>null</c>.</param>
        /// <returns>The mean training loss (before each update) and training accuracy.</returns>
        public static TrainingResult TrainEpoch(INetwork network, IOptimizer optimizer, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels,
            int batchSize, int seed, IProgress<TrainingProgress>? progress = null)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(optimizer);
            int count = CheckData(network, inputs, labels, batchSize);
            int size = network.InputSize;
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = i;
            var random = new SplitMix64((ulong)(uint)seed ^ 0x5851F42D4C957F2DUL);
            for (int i = count - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            int capacity = Math.Min(batchSize, count);
            float[] batchInputs = new float[capacity * size];
            int[] batchLabels = new int[capacity];
            int batchCount = (count + batchSize - 1) / batchSize;
            double lossSum = 0;
            int correct = 0;
            bool wasTraining = network.IsTraining;
            network.IsTraining = true;
            network.SetSeed(seed);
            try
            {
                for (int b = 0; b < batchCount; b++)
                {
                    int start = b * batchSize;
                    int n = Math.Min(batchSize, count - start);
                    for (int i = 0; i < n; i++)
                    {
                        int sample = order[start + i];
                        inputs.Slice(sample * size, size).CopyTo(batchInputs.AsSpan(i * size, size));
                        batchLabels[i] = labels[sample];
                    }

                    ReadOnlySpan<int> y = batchLabels.AsSpan(0, n);
                    float loss = network.Loss(batchInputs.AsSpan(0, n * size), y);
                    correct += NetworkTrainingExtensions.CountCorrect(network.Probabilities.Slice(0, n * network.OutputSize), y);
                    network.Backward();
                    optimizer.Step(network.Parameters);
                    lossSum += (double)loss * n;
                    int seen = start + n;
                    progress?.Report(new TrainingProgress(b, batchCount, loss, lossSum / seen, (double)correct / seen));
                }
            }
            finally
            {
                network.IsTraining = wasTraining;
            }

            return new TrainingResult(lossSum / count, (double)correct / count, count);
        }

        /// <summary>Mean loss and accuracy in inference mode, in contiguous batches (the last may be smaller); nothing is updated.</summary>
        /// <param name="network">The network; <see cref="INetwork.IsTraining"/> is false during evaluation and restored afterwards.</param>
        /// <param name="inputs">All samples, <c>count x InputSize</c>.</param>
        /// <param name="labels">One label per sample.</param>
        /// <param name="batchSize">Samples per batch, >= 1 (the notes' <c>accuracy</c> uses 100).</param>
        /// <returns>The mean loss and accuracy.</returns>
        public static TrainingResult Evaluate(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize = 100)
        {
            ArgumentNullException.ThrowIfNull(network);
            int count = CheckData(network, inputs, labels, batchSize);
            int size = network.InputSize;
            double lossSum = 0;
            int correct = 0;
            bool wasTraining = network.IsTraining;
            network.IsTraining = false;
            try
            {
                for (int start = 0; start < count; start += batchSize)
                {
                    int n = Math.Min(batchSize, count - start);
                    ReadOnlySpan<int> y = labels.Slice(start, n);
                    float loss = network.Loss(inputs.Slice(start * size, n * size), y);
                    correct += NetworkTrainingExtensions.CountCorrect(network.Probabilities.Slice(0, n * network.OutputSize), y);
                    lossSum += (double)loss * n;
                }
            }
            finally
            {
                network.IsTraining = wasTraining;
            }

            return new TrainingResult(lossSum / count, (double)correct / count, count);
        }

        private static int CheckData(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize)
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be >= 1.");
            int size = network.InputSize;
            if (labels.Length == 0) throw new ArgumentException("There are no samples.", nameof(labels));
            if ((long)labels.Length * size != inputs.Length)
            {
                throw new ArgumentException($"{inputs.Length} input values do not match {labels.Length} labels of {size} values each.", nameof(inputs));
            }

            return labels.Length;
        }
    }
}
