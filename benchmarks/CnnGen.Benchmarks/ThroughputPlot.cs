using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace CnnGen.Benchmarks
{
    /// <summary>Images per second against batch size (log2 axis), one line per engine.</summary>
    public static class ThroughputPlot
    {
        public static void Save(string path, string network, int threads, IReadOnlyList<(int Batch, double CnnGen, double Ort, double Torch)> points)
        {
            var plot = new Plot();
            double[] xs = points.Select(p => Math.Log2(p.Batch)).ToArray();
            Add(plot, xs, points.Select(p => p.CnnGen).ToArray(), "CnnGen");
            Add(plot, xs, points.Select(p => p.Ort).ToArray(), "ONNX Runtime");
            Add(plot, xs, points.Select(p => p.Torch).ToArray(), "PyTorch");
            plot.Axes.Bottom.SetTicks(xs, points.Select(p => p.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            plot.Title($"{network}: inference throughput, {threads} thread(s)");
            plot.XLabel("batch size");
            plot.YLabel("images per second");
            plot.Axes.SetLimitsY(0, points.SelectMany(p => new[] { p.CnnGen, p.Ort, p.Torch }).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max() * 1.1);
            plot.ShowLegend(Alignment.LowerRight);
            plot.SavePng(Path.GetFullPath(path), 800, 500);
        }

        private static void Add(Plot plot, double[] xs, double[] ys, string label)
        {
            var keep = Enumerable.Range(0, xs.Length).Where(i => !double.IsNaN(ys[i])).ToArray();
            if (keep.Length == 0) return;
            var line = plot.Add.Scatter(keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray());
            line.LegendText = label;
            line.MarkerSize = 7;
            line.LineWidth = 2;
        }
    }
}
