using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using CnnGen;
using CnnGen.Data;
using CnnGen.Training;
using Spectre.Console;

namespace LeNetSample
{
    /// <summary>What one epoch measured.</summary>
    internal readonly record struct EpochResult(
        int Epoch, float LearningRate, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, TimeSpan TrainTime, double ImagesPerSecond);

    /// <summary>The mini-batch loop: <see cref="MiniBatchIterator"/> and <see cref="NetworkTrainingExtensions.TrainStep"/>,
    /// a progress bar per epoch with the live loss, and a test evaluation after each epoch.</summary>
    internal sealed class TrainingLoop
    {
        private const int EvaluationBatch = 500;
        private readonly INetwork _network;
        private readonly IOptimizer _optimizer;
        private readonly ILearningRateSchedule _schedule;
        private readonly MnistDataset _train;
        private readonly MnistDataset _test;
        private readonly MiniBatchIterator _batches;
        private readonly int _epochs;
        private volatile bool _stopRequested;

        public TrainingLoop(INetwork network, IOptimizer optimizer, ILearningRateSchedule schedule, MnistDataset train, MnistDataset test, int batch, int epochs, int seed)
        {
            _network = network;
            _optimizer = optimizer;
            _schedule = schedule;
            _train = train;
            _test = test;
            _epochs = epochs;
            _batches = new MiniBatchIterator(train, batch, (ulong)seed);
            BatchLosses = new List<float>(epochs * _batches.BatchesPerEpoch);
        }

        /// <summary>The loss of every training batch, in order.</summary>
        public List<float> BatchLosses { get; }

        /// <summary>One entry per finished epoch.</summary>
        public List<EpochResult> Epochs { get; } = new List<EpochResult>();

        /// <summary>Batches per epoch.</summary>
        public int BatchesPerEpoch => _batches.BatchesPerEpoch;

        /// <summary>True when training stopped early on request (Ctrl+C).</summary>
        public bool Stopped => _stopRequested;

        /// <summary>Asks the loop to stop after the current batch (the epoch is then evaluated as it is).</summary>
        public void RequestStop() => _stopRequested = true;

        /// <summary>Trains for the configured number of epochs, printing one line per epoch.</summary>
        public void Run()
        {
            for (int epoch = 0; epoch < _epochs && !_stopRequested; epoch++)
            {
                EpochResult result = RunEpoch(epoch);
                Epochs.Add(result);
                ConsoleView.EpochLine(result, _epochs, _stopRequested);
            }
        }

        private EpochResult RunEpoch(int epoch)
        {
            float rate = _schedule.Apply(_optimizer, epoch);
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batchIndex = 0;
            int batches = _batches.BatchesPerEpoch;
            var clock = new Stopwatch();
            double testLoss = 0, testAccuracy = 0;
            string label = $"Epoch {epoch + 1}/{_epochs}";

            AnsiConsole.Progress()
                .AutoClear(true)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask(label, maxValue: batches);
                    _network.IsTraining = true;
                    clock.Start();
                    while (_batches.MoveNext())
                    {
                        ReadOnlySpan<int> labels = _batches.Labels;
                        float loss = _network.TrainStep(_batches.Inputs, labels, _optimizer);
                        correct += NetworkTrainingExtensions.CountCorrect(_network.Probabilities, labels);
                        seen += labels.Length;
                        lossSum += loss * labels.Length;
                        BatchLosses.Add(loss);
                        batchIndex++;
                        task.Increment(1);
                        if (batchIndex % 10 == 0 || batchIndex == batches)
                        {
                            task.Description = string.Create(CultureInfo.InvariantCulture,
                                $"{label}  loss [yellow]{lossSum / seen:F4}[/]  train acc [green]{100.0 * correct / seen:F2}%[/]");
                        }

                        if (_stopRequested)
                        {
                            _batches.EndEpoch();
                            break;
                        }
                    }

                    clock.Stop();
                    task.StopTask();

                    ProgressTask evaluation = context.AddTask("  test set", maxValue: _test.Count);
                    (testLoss, testAccuracy) = Evaluate(_network, _test, evaluation);
                });

            return new EpochResult(epoch + 1, rate, seen > 0 ? lossSum / seen : double.NaN, seen > 0 ? (double)correct / seen : 0,
                testLoss, testAccuracy, clock.Elapsed, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
        }

        /// <summary>Mean loss and accuracy on <paramref name="data"/> in inference mode.</summary>
        public static (double Loss, double Accuracy) Evaluate(INetwork network, MnistDataset data, ProgressTask? task = null)
        {
            bool training = network.IsTraining;
            network.IsTraining = false;
            double lossSum = 0;
            long correct = 0;
            try
            {
                int size = network.InputSize;
                for (int start = 0; start < data.Count; start += EvaluationBatch)
                {
                    int n = Math.Min(EvaluationBatch, data.Count - start);
                    ReadOnlySpan<int> labels = data.Labels.AsSpan(start, n);
                    lossSum += (double)network.Loss(data.Images.AsSpan(start * size, n * size), labels) * n;
                    correct += NetworkTrainingExtensions.CountCorrect(network.Probabilities, labels);
                    task?.Increment(n);
                }
            }
            finally
            {
                network.IsTraining = training;
            }

            return (lossSum / data.Count, (double)correct / data.Count);
        }

        /// <summary>The logits of every sample of <paramref name="data"/> (<c>Count x OutputSize</c>), in inference mode.</summary>
        public static float[] Logits(INetwork network, MnistDataset data)
        {
            bool training = network.IsTraining;
            network.IsTraining = false;
            var logits = new float[data.Count * network.OutputSize];
            try
            {
                int size = network.InputSize;
                for (int start = 0; start < data.Count; start += EvaluationBatch)
                {
                    int n = Math.Min(EvaluationBatch, data.Count - start);
                    network.Forward(data.Images.AsSpan(start * size, n * size)).CopyTo(logits.AsSpan(start * network.OutputSize));
                }
            }
            finally
            {
                network.IsTraining = training;
            }

            return logits;
        }
    }
}
