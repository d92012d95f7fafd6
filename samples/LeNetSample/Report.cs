using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CnnGen;
using CnnGen.Metrics;

namespace LeNetSample
{
    /// <summary>Writes <c>report.txt</c>: the run's settings, the epochs, the test accuracy, the confusion matrix and the per-class report.</summary>
    internal static class Report
    {
        public static void Write(string path, INetwork network, Options options, string dataName, string dataDirectory, TrainingLoop loop,
            double top1, double top5, ConfusionMatrix matrix, IReadOnlyList<string> classNames)
        {
            var s = new StringBuilder();
            var inv = CultureInfo.InvariantCulture;
            s.AppendLine(inv, $"Model:     {network.Name} ({network.ParameterCount:N0} parameters)");
            s.AppendLine(inv, $"Data:      {dataName} ({Path.GetFullPath(dataDirectory)})");
            s.AppendLine(inv, $"Training:  {options.Epochs} epochs, batch {options.Batch}, {options.Optimizer} lr {options.LearningRate:0.######} ({options.Schedule}), seed {options.Seed}");
            if (loop.Stopped) s.AppendLine("           stopped early on request");
            s.AppendLine();
            s.AppendLine(network.Summary);
            s.AppendLine("Epoch  LR        Train loss  Train acc  Test loss  Test acc  Time (s)  Images/s");
            foreach (EpochResult r in loop.Epochs)
            {
                s.AppendLine(inv, $"{r.Epoch,5}  {r.LearningRate,-8:0.######}  {r.TrainLoss,10:F4}  {100 * r.TrainAccuracy,8:F2}%  {r.TestLoss,9:F4}  {100 * r.TestAccuracy,7:F2}%  {r.TrainTime.TotalSeconds,8:F1}  {r.ImagesPerSecond,8:F0}");
            }

            s.AppendLine();
            s.AppendLine(inv, $"Test top-1 accuracy: {100 * top1:F2}%");
            s.AppendLine(inv, $"Test top-5 accuracy: {100 * top5:F2}%");
            s.AppendLine();
            s.AppendLine("Confusion matrix (rows: true class, columns: predicted class):");
            s.AppendLine(matrix.Format(classNames));
            s.AppendLine();
            s.AppendLine("Per-class report:");
            s.AppendLine(matrix.Report().ToString());
            File.WriteAllText(path, s.ToString());
        }
    }
}
