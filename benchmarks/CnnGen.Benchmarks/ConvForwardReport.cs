using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CnnGen.Kernels;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// <c>conv-forward [SECONDS] [BATCH]</c>: the forward kernels that can compute a convolution, timed on the same inputs in
    /// turns (one thread, the calling thread's CPU time per image, median of many calls): Winograd's F(2x2, 3x3), the direct
    /// kernel with the filters in the lanes, the direct kernels over the row pitch and on wide rows (on a zero-bordered copy
    /// when the layer pads), and im2col + GEMM, on shapes on both sides of the routing between them, with the algorithm
    /// <see cref="Conv2D"/> picks. This is the measurement behind <c>ConvWinograd.Applies</c> and
    /// <c>ConvFiltersInLanes.Applies</c>.
    /// </summary>
    public static class ConvForwardReport
    {
        private static readonly ConvGeometry[] Shapes =
        {
            new(3, 32, 32, 16, 3, 1, 1),    // SmallVgg's layers: 3 channels
            new(16, 32, 32, 16, 3, 1, 1),
            new(16, 16, 16, 32, 3, 1, 1),
            new(32, 16, 16, 32, 3, 1, 1),
            new(8, 32, 32, 16, 3, 1, 1),    // 8 and 12 channels
            new(12, 32, 32, 16, 3, 1, 1),
            new(16, 18, 18, 16, 3, 1, 0),   // unpadded: the direct kernel needs no bordered copy
            new(16, 34, 34, 16, 3, 1, 0),
            new(64, 16, 16, 64, 3, 1, 1),   // many channels: no direct kernel
            new(128, 16, 16, 128, 3, 1, 1),
            new(6, 14, 14, 16, 5, 1, 0),    // LeNet-5's second layer: rows of 10, pitch 14
            new(16, 12, 12, 16, 5, 1, 0),   // rows of 8, pitch 12
            new(16, 8, 8, 32, 3, 1, 1),     // rows of 8, pitch 10
            new(16, 13, 13, 32, 3, 1, 0),   // rows of 11, pitch 13
            new(32, 12, 12, 32, 3, 1, 1),   // rows of 12, pitch 14
            new(16, 15, 15, 16, 3, 1, 1),   // rows of 15, pitch 17
            new(3, 15, 15, 16, 5, 1, 2),    // 75 taps
            new(64, 7, 7, 64, 3, 1, 1),     // no kernel over the pitch (too few positions)
            new(8, 9, 9, 16, 5, 1, 0),      // 5 x 5 output
            new(16, 7, 7, 16, 3, 1, 0),
        };

        public static int Run(string[] args)
        {
            double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1;
            int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
            KernelDispatch.MaxDegreeOfParallelism = 1;
            Console.WriteLine($"CnnGen conv-forward: batch {batch}, 1 thread, SIMD {KernelDispatch.Level}, thread CPU time per image, median (min) over about {seconds:0.##} s per shape");
            Console.WriteLine($"{"shape",-36} {"Winograd",-20} {"filters in lanes",-20} {"direct (pitch/wide)",-20} {"im2col + GEMM",-20} routed to");
            foreach (ConvGeometry g in Shapes)
            {
                var random = new Random(7);
                float[] x = Enumerable.Range(0, batch * g.InputSize).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
                float[] w = Enumerable.Range(0, g.WeightSize).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
                float[] bias = new float[g.Filters], y = new float[batch * g.OutputSize];
                float[] scratch = new float[Math.Max(1, ConvDirectWide.ScratchSize(g))], columns = new float[g.ColumnSize];
                var kernels = new List<(string Name, Action Call)>();
                if (ConvWinograd.Eligible(g))
                {
                    kernels.Add(("winograd", () => ConvWinograd.Forward(g, batch, x, w, bias, y, scratch, relu: false, maxPool: false)));
                }

                if (ConvFiltersInLanes.Eligible(g))
                {
                    kernels.Add(("lanes", () => ConvFiltersInLanes.Forward(g, batch, x, w, bias, y, scratch, relu: false)));
                }

                if (ConvDirectWide.AppliesForwardFlat(g))
                {
                    kernels.Add(("pitch", () =>
                    {
                        for (int n = 0; n < batch; n++)
                        {
                            ConvDirectWide.ForwardFlat(g, x.AsSpan(n * g.InputSize, g.InputSize), w, bias, y.AsSpan(n * g.OutputSize, g.OutputSize), scratch);
                        }
                    }));
                }
                else if (ConvDirectWide.AppliesForward(g) || ConvDirectWide.AppliesForwardPadded(g))
                {
                    ConvGeometry padded = ConvDirectWide.AppliesForward(g) ? g : ConvDirectWide.Padded(g);
                    kernels.Add(("pitch", () =>
                    {
                        for (int n = 0; n < batch; n++)
                        {
                            ReadOnlySpan<float> image = x.AsSpan(n * g.InputSize, g.InputSize);
                            Span<float> output = y.AsSpan(n * g.OutputSize, g.OutputSize);
                            if (ConvDirectWide.AppliesForward(g)) ConvDirectWide.Forward(g, image, w, bias, output);
                            else ConvDirectWide.ForwardPadded(g, padded, image, w, bias, output, scratch);
                        }
                    }));
                }

                kernels.Add(("gemm", () =>
                {
                    for (int n = 0; n < batch; n++)
                    {
                        Im2Col.Unfold(g, x.AsSpan(n * g.InputSize, g.InputSize), columns);
                        Gemm.MultiplyUnchecked(false, false, g.Filters, g.OutPlane, g.PatchSize, w, columns, y.AsSpan(n * g.OutputSize, g.OutputSize), accumulate: false);
                    }
                }));

                Dictionary<string, string> cells = Measure(kernels, seconds, batch);
                Console.WriteLine($"{g.ToString(),-36} {Cell(cells, "winograd"),-20} {Cell(cells, "lanes"),-20} {Cell(cells, "pitch"),-20} {Cell(cells, "gemm"),-20} {ConvAlgorithm.Forward(g)}");
            }

            KernelDispatch.Reset();
            return 0;
        }

        private static string Cell(Dictionary<string, string> cells, string name) => cells.TryGetValue(name, out string? cell) ? cell : "-";

        /// <summary>Each kernel's median and minimum per image, the kernels taking turns call by call after a common warm-up.</summary>
        private static Dictionary<string, string> Measure(List<(string Name, Action Call)> kernels, double seconds, int batch)
        {
            Timing.WarmUp(kernels.Select(k => k.Call).ToArray(), Math.Min(seconds, Timing.JitWarmupSeconds));
            var times = kernels.Select(_ => new List<double>()).ToArray();
            var total = System.Diagnostics.Stopwatch.StartNew();
            for (int turn = 0; total.Elapsed.TotalSeconds < seconds || turn < 5; turn++)
            {
                for (int i = 0; i < kernels.Count; i++)
                {
                    double start = Timing.ThreadCpuSeconds();
                    kernels[i].Call();
                    times[i].Add((Timing.ThreadCpuSeconds() - start) / batch);
                }
            }

            var cells = new Dictionary<string, string>();
            for (int i = 0; i < kernels.Count; i++)
            {
                times[i].Sort();
                cells[kernels[i].Name] = $"{Timing.SortedMedian(times[i]) * 1e6:F2} ({times[i][0] * 1e6:F2}) us";
            }

            return cells;
        }
    }
}
