using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CnnGen.Metrics;
using ScottPlot;

namespace CnnGen.Plotting
{
    /// <summary>
    /// Draws precision-recall curves (<see cref="PrCurve"/>) as PNG pictures: the precision after each
    /// ranked detection as markers joined by a line, and the all-point interpolated envelope whose area is the AP.
    /// </summary>
    public static class PrCurvePlot
    {
        /// <summary>Saves one curve as a PNG file.</summary>
        /// <param name="curve">The precision-recall curve.</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title; when null, "Precision-recall curve" is used. The AP is added to the legend.</param>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <exception cref="ArgumentNullException"><paramref name="curve"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is less than 1.</exception>
        public static void Save(PrCurve curve, string path, string? title = null, int width = 640, int height = 480)
        {
            ArgumentNullException.ThrowIfNull(curve);
            Save(new[] { ("", curve) }, path, title, width, height);
        }

        /// <summary>Saves several curves (for example one per class) in one PNG file.</summary>
        /// <param name="curves">The curves, each with a label for the legend (an empty label gives no prefix).</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title; when null, "Precision-recall curve" is used.</param>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <exception cref="ArgumentNullException"><paramref name="curves"/>, one of its curves, or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is less than 1.</exception>
        public static void Save(IReadOnlyList<(string Label, PrCurve Curve)> curves, string path, string? title = null, int width = 640, int height = 480)
        {
            ArgumentNullException.ThrowIfNull(curves);
            ArgumentNullException.ThrowIfNull(path);
            ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);

            var plot = new Plot();
            var palette = new ScottPlot.Palettes.Category10();
            for (int i = 0; i < curves.Count; i++)
            {
                (string label, PrCurve curve) = curves[i];
                ArgumentNullException.ThrowIfNull(curve);
                Color color = palette.GetColor(i);
                string prefix = string.IsNullOrEmpty(label) ? "" : label + ": ";
                AddCurve(plot, curve, color, prefix);
            }

            plot.Title(title ?? "Precision-recall curve");
            plot.XLabel("Recall");
            plot.YLabel("Precision");
            plot.Axes.SetLimits(0, 1.02, 0, 1.05);
            plot.ShowLegend(Alignment.LowerLeft);
            string full = Path.GetFullPath(path);
            plot.SavePng(full, width, height);
        }

        private static void AddCurve(Plot plot, PrCurve curve, Color color, string prefix)
        {
            int n = curve.Count;
            if (n == 0) return;

            var recall = new double[n];
            var precision = new double[n];
            for (int k = 0; k < n; k++)
            {
                recall[k] = curve.Recall[k];
                precision[k] = curve.Precision[k];
            }

            var raw = plot.Add.Scatter(recall, precision, color);
            raw.LegendText = prefix + "precision per detection";
            raw.MarkerSize = 6;
            raw.LineWidth = 1;

            // The all-point envelope: a horizontal step at max_{j >= k} P_j over each recall increment.
            double[] envelope = curve.InterpolatedPrecision();
            var xs = new List<double>();
            var ys = new List<double>();
            double previousRecall = 0;
            for (int k = 0; k < n; k++)
            {
                if (!curve.IsTruePositive[k]) continue;
                xs.Add(previousRecall);
                ys.Add(envelope[k]);
                xs.Add(recall[k]);
                ys.Add(envelope[k]);
                previousRecall = recall[k];
            }

            if (xs.Count > 0)
            {
                var step = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
                step.MarkerSize = 0;
                step.LineWidth = 2;
                step.LinePattern = LinePattern.Dashed;
                step.LegendText = string.Format(CultureInfo.InvariantCulture, "{0}interpolated, AP = {1:F4}", prefix, curve.AveragePrecision(ApInterpolation.AllPoint));
            }
        }
    }
}
