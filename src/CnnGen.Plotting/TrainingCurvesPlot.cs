using System;
using System.Collections.Generic;
using System.IO;
using ScottPlot;

namespace CnnGen.Plotting
{
    /// <summary>
    /// Draws the course of a training run as one PNG with two panels: on top the loss of every mini-batch
    /// (faint) with its moving average (bold), below the accuracy after each epoch on the test set (and on the
    /// training set when given). The horizontal axis counts epochs in both panels.
    /// </summary>
    public static class TrainingCurvesPlot
    {
        /// <summary>Saves the loss and accuracy curves.</summary>
        /// <param name="batchLosses">The mean loss of each mini-batch, in training order.</param>
        /// <param name="batchesPerEpoch">Mini-batches in one epoch, to place the batches on the epoch axis.</param>
        /// <param name="testAccuracy">The test accuracy (fraction in [0, 1]) after each epoch.</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="trainAccuracy">The training accuracy (fraction) of each epoch, or null.</param>
        /// <param name="smoothing">Batches in the moving average of the loss; 0 picks about a tenth of an epoch.</param>
        /// <param name="title">Title of the top panel; when null, "Training loss" is used.</param>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <exception cref="ArgumentNullException"><paramref name="batchLosses"/>, <paramref name="testAccuracy"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchesPerEpoch"/>, <paramref name="width"/> or <paramref name="height"/> is less than 1, or <paramref name="smoothing"/> is negative.</exception>
        public static void Save(
            IReadOnlyList<float> batchLosses,
            int batchesPerEpoch,
            IReadOnlyList<double> testAccuracy,
            string path,
            IReadOnlyList<double>? trainAccuracy = null,
            int smoothing = 0,
            string? title = null,
            int width = 800,
            int height = 700)
        {
            ArgumentNullException.ThrowIfNull(batchLosses);
            ArgumentNullException.ThrowIfNull(testAccuracy);
            ArgumentNullException.ThrowIfNull(path);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchesPerEpoch, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(smoothing);
            ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);

            var multiplot = new Multiplot();
            multiplot.AddPlots(2);
            Plot lossPlot = multiplot.GetPlot(0);
            Plot accuracyPlot = multiplot.GetPlot(1);
            var palette = new ScottPlot.Palettes.Category10();

            int n = batchLosses.Count;
            if (n > 0)
            {
                var xs = new double[n];
                var ys = new double[n];
                for (int i = 0; i < n; i++)
                {
                    xs[i] = (i + 1) / (double)batchesPerEpoch;
                    ys[i] = batchLosses[i];
                }

                var raw = lossPlot.Add.ScatterLine(xs, ys, palette.GetColor(0).WithAlpha(0.25));
                raw.LegendText = "loss per batch";
                int window = smoothing > 0 ? smoothing : Math.Max(1, batchesPerEpoch / 10);
                var smooth = lossPlot.Add.ScatterLine(xs, MovingAverage(ys, window), palette.GetColor(0));
                smooth.LineWidth = 2;
                smooth.LegendText = $"moving average of {window} batches";
            }

            lossPlot.Title(title ?? "Training loss");
            lossPlot.XLabel("Epoch");
            lossPlot.YLabel("Cross-entropy loss");
            lossPlot.Axes.SetLimitsY(0, AxisTop(batchLosses));
            lossPlot.ShowLegend(Alignment.UpperRight);

            AddAccuracy(accuracyPlot, testAccuracy, palette.GetColor(1), "test");
            if (trainAccuracy is not null) AddAccuracy(accuracyPlot, trainAccuracy, palette.GetColor(2), "train (running, during the epoch)");
            accuracyPlot.Title("Accuracy after each epoch");
            accuracyPlot.XLabel("Epoch");
            accuracyPlot.YLabel("Accuracy (%)");
            SetAccuracyLimits(accuracyPlot, testAccuracy, trainAccuracy);
            accuracyPlot.ShowLegend(Alignment.LowerRight);

            double lastEpoch = Math.Max(Math.Max(testAccuracy.Count, trainAccuracy?.Count ?? 0), n / (double)batchesPerEpoch);
            lossPlot.Axes.SetLimitsX(0, Math.Max(1, lastEpoch) + 0.05);
            accuracyPlot.Axes.SetLimitsX(0, Math.Max(1, lastEpoch) + 0.05);

            multiplot.SavePng(Path.GetFullPath(path), width, height);
        }

        private static void AddAccuracy(Plot plot, IReadOnlyList<double> accuracy, Color color, string label)
        {
            if (accuracy.Count == 0) return;
            var xs = new double[accuracy.Count];
            var ys = new double[accuracy.Count];
            for (int i = 0; i < xs.Length; i++)
            {
                xs[i] = i + 1;
                ys[i] = 100 * accuracy[i];
            }

            var line = plot.Add.Scatter(xs, ys, color);
            line.LineWidth = 2;
            line.MarkerSize = 8;
            line.LegendText = $"{label}: {ys[^1]:F2}% at epoch {xs.Length}";
        }

        /// <summary>Leaves the lower third of the panel free for the legend, below every point.</summary>
        private static void SetAccuracyLimits(Plot plot, IReadOnlyList<double> test, IReadOnlyList<double>? train)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (double a in test) { lo = Math.Min(lo, 100 * a); hi = Math.Max(hi, 100 * a); }
            if (train is not null)
            {
                foreach (double a in train) { lo = Math.Min(lo, 100 * a); hi = Math.Max(hi, 100 * a); }
            }

            if (!double.IsFinite(lo)) return;
            double span = Math.Max(hi - lo, 1);
            plot.Axes.SetLimitsY(lo - 0.6 * span, Math.Min(100.5, hi + 0.15 * span));
        }

        /// <summary>The mean of the last <paramref name="window"/> values up to each position (fewer at the start).</summary>
        private static double[] MovingAverage(double[] values, int window)
        {
            var result = new double[values.Length];
            double sum = 0;
            for (int i = 0; i < values.Length; i++)
            {
                sum += values[i];
                if (i >= window) sum -= values[i - window];
                result[i] = sum / Math.Min(i + 1, window);
            }

            return result;
        }

        /// <summary>A top for the loss axis that keeps the first noisy batches from flattening the rest of the curve.</summary>
        private static double AxisTop(IReadOnlyList<float> losses)
        {
            if (losses.Count == 0) return 1;
            var sorted = new List<float>(losses);
            sorted.Sort();
            double p99 = sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(0.99 * sorted.Count))];
            double top = Math.Max(p99, losses[^1]) * 1.1;
            return top > 0 && double.IsFinite(top) ? top : 1;
        }
    }
}
