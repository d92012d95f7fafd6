using System;
using System.Collections.Generic;
using System.Linq;
using System.Diagnostics;
using CnnGen.Kernels;

namespace CnnGen.Benchmarks
{
    /// <summary>A Stopwatch table: GEMM GFLOP/s at 1 and 2 threads, as a fraction of the FMA peak. Each figure is the best
    /// call of about <c>SECONDS</c> of calls (2 by default, per shape and degree): on a machine shared with other virtual
    /// machines a best of fewer calls is often one that the others slowed down (a 0.5 s run measured 1024³ at 1.56x on
    /// two threads, 2 s runs of the same code 1.76–1.95x).</summary>
    public static class GemmReport
    {
        public static int Run(string[] args)
        {
            double seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2;
            double peak = PeakFma.MeasureGflops();
            Console.WriteLine($"SIMD level {KernelDispatch.Level}, {Environment.ProcessorCount} processors");
            double together = PeakFma.MeasureGflopsTogether(2);
            Console.WriteLine($"Peak FMA (one thread): {peak:F1} GFLOP/s; two threads at once: {together:F1} GFLOP/s = {together / peak:F2}x one " +
                "(the ceiling of a two-thread speed-up)");
            Console.WriteLine();
            var operands = new List<(GemmShape Shape, float[] A, float[] B, float[] C)>();
            foreach (GemmShape s in GemmShape.All())
            {
                var rnd = new Random(1);
                operands.Add((s, Fill(rnd, s.M * s.K), Fill(rnd, s.K * s.N), new float[s.M * s.N]));
            }

            // Every product at both degrees first (see Timing.WarmUp): without this the first shape's two-thread calls (the only
            // ones that run the parallel split and the pool's code) were partly timed on code the JIT had not yet optimised.
            Timing.WarmUp(operands.SelectMany(o => new[] { 1, 2 }.Select(degree => (Action)(() =>
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                Gemm.Multiply(o.Shape.TransA, o.Shape.TransB, o.Shape.M, o.Shape.N, o.Shape.K, o.A, o.B, o.C);
            }))).ToList(), seconds > 0.1 ? Timing.JitWarmupSeconds : 0.05);
            Console.WriteLine($"{"shape",-32} {"1T GFLOP/s",11} {"%peak",6} {"2T GFLOP/s",11} {"%2peak",7} {"speed-up",8} {"by medians",11} {"1T by CPU time",15}");
            foreach ((GemmShape s, float[] a, float[] b, float[] c) in operands)
            {
                Speeds speeds = MeasureInterleaved(s, a, b, c, 2 * seconds);
                double g1 = speeds.Best1, g2 = speeds.Best2;
                double g1Cpu = MeasureCpu(s, a, b, c, seconds);
                Console.WriteLine($"{s.Name,-32} {g1,11:F1} {100 * g1 / peak,5:F0}% {g2,11:F1} {100 * g2 / (2 * peak),6:F0}% {g2 / g1,7:F2}x " +
                                  $"{speeds.Median2 / speeds.Median1,10:F2}x {g1Cpu,9:F1} ({100 * g1Cpu / peak:F0}%)");
            }

            Console.WriteLine();
            Console.WriteLine("GFLOP/s and speed-up: the best call of each degree; by medians: the median two-thread call against the median");
            Console.WriteLine("one-thread call of the same turns (what a program sees on a busy host, where one core is often slowed alone).");

            KernelDispatch.Reset();
            return 0;
        }

        /// <summary>GFLOP/s at one and at two threads from the fastest and the median of many calls, the two degrees taking turns in short
        /// runs so that a change in the machine's load or clock during the measurement affects both alike. The first call of
        /// each run is not timed: at two threads it wakes the pool's helper, which blocks after a call at one thread (a
        /// blocked thread's wake-up took 50–260 µs on this virtual machine), so the timed calls are two-thread calls as a
        /// program running at two threads makes them.</summary>
        private static Speeds MeasureInterleaved(GemmShape s, float[] a, float[] b, float[] c, double seconds)
        {
            const int TimedPerRun = 3;
            double best1 = double.MaxValue, best2 = double.MaxValue;
            var times1 = new List<double>();
            var times2 = new List<double>();
            var total = Stopwatch.StartNew();
            for (int run = 0; total.Elapsed.TotalSeconds < seconds || run < 4; run++)
            {
                int degree = 1 + run % 2;
                KernelDispatch.MaxDegreeOfParallelism = degree;
                Gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, a, b, c);
                for (int i = 0; i < TimedPerRun; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, a, b, c);
                    double t = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    if (degree == 1) best1 = Math.Min(best1, t);
                    else best2 = Math.Min(best2, t);
                    (degree == 1 ? times1 : times2).Add(t);
                }
            }

            return new Speeds(s.Flops / best1 / 1e9, s.Flops / best2 / 1e9, s.Flops / Timing.SortedMedian(times1) / 1e9, s.Flops / Timing.SortedMedian(times2) / 1e9);
        }

        /// <summary>GFLOP/s of the best and of the median call at one and at two threads.</summary>
        private readonly record struct Speeds(double Best1, double Best2, double Median1, double Median2);

        /// <summary>One thread, timed by the process's CPU time rather than the wall clock, which is robust when
        /// other processes compete for the cores.</summary>
        private static double MeasureCpu(GemmShape s, float[] a, float[] b, float[] c, double seconds)
        {
            KernelDispatch.MaxDegreeOfParallelism = 1;
            var process = Process.GetCurrentProcess();
            process.Refresh();
            TimeSpan start = process.TotalProcessorTime;
            var total = Stopwatch.StartNew();
            int runs = 0;
            while (total.Elapsed.TotalSeconds < seconds || runs < 3)
            {
                Gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, a, b, c);
                runs++;
            }

            process.Refresh();
            return s.Flops * runs / (process.TotalProcessorTime - start).TotalSeconds / 1e9;
        }

        private static float[] Fill(Random rnd, int count)
        {
            var x = new float[count];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rnd.NextDouble() * 2 - 1);
            return x;
        }
    }
}
