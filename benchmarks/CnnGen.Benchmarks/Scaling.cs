using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using CnnGen.Kernels;
using CnnGen.Training;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// <c>scaling [SECONDS] [NETWORK]</c>: one thread against two, by the wall clock, for each network's training step and
    /// batch-100 inference. The two degrees take turns call batch by call batch, so a change in the machine's load during
    /// the run (other processes, the clock) falls on both alike; the speed-up is the ratio of the medians (the ratio of
    /// the minima, the best each reached, beside it).
    /// </summary>
    public static class Scaling
    {
        public static int Run(string[] args)
        {
            double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 4;
            Console.WriteLine($"CnnGen scaling: 1 vs 2 threads, wall clock, degrees alternating, about {seconds:F0} s per case, {Environment.ProcessorCount} processors");
            Console.WriteLine();
            Console.WriteLine($"{"network",-14} {"case",-12} {"1 thread",-22} {"2 threads",-22} {"speed-up (medians)",19} {"(minima)",9}");
            var random = new Random(5);
            string? only = args.Length > 1 ? args[1] : null;
            foreach (INetwork net in new INetwork[] { new SimpleConvNet(1), new LeNet5(1), new SmallVgg(1) })
            {
                if (only is not null && !net.Name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
                float[] inference = Enumerable.Range(0, 100 * net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
                float[] train = Enumerable.Range(0, Compare.TrainBatch * net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
                int[] labels = Enumerable.Range(0, Compare.TrainBatch).Select(_ => random.Next(net.OutputSize)).ToArray();
                var sgd = new Sgd(0.001f);
                Print(net.Name, "infer b100", Measure(() =>
                {
                    net.IsTraining = false;
                    net.Forward(inference);
                    net.IsTraining = true;
                }, seconds));
                Print(net.Name, "train b100", Measure(() =>
                {
                    net.Loss(train, labels);
                    net.Backward();
                    sgd.Step(net.Parameters);
                }, seconds));
            }

            KernelDispatch.Reset();
            return 0;
        }

        private static (List<double> One, List<double> Two) Measure(Action call, double seconds)
        {
            var one = new List<double>();
            var two = new List<double>();
            Timing.WarmUp(new Action[] { call, call }, Timing.JitWarmupSeconds, i => KernelDispatch.MaxDegreeOfParallelism = 1 + i);

            var total = Stopwatch.StartNew();
            for (int round = 0; total.Elapsed.TotalSeconds < seconds || round < 10; round++)
            {
                int degree = 1 + round % 2;
                KernelDispatch.MaxDegreeOfParallelism = degree;
                const int Calls = 5;
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < Calls; i++) call();
                double perCall = Stopwatch.GetElapsedTime(t0).TotalSeconds / Calls;
                (degree == 1 ? one : two).Add(perCall);
            }

            return (one, two);
        }

        private static void Print(string network, string name, (List<double> One, List<double> Two) t)
        {
            t.One.Sort();
            t.Two.Sort();
            double m1 = t.One[t.One.Count / 2], m2 = t.Two[t.Two.Count / 2];
            Console.WriteLine($"{network,-14} {name,-12} {Fmt(m1, t.One),-22} {Fmt(m2, t.Two),-22} {m1 / m2,18:F2}x {t.One[0] / t.Two[0],8:F2}x");
        }

        private static string Fmt(double median, List<double> sorted) =>
            $"{median * 1e3:F2} ms ({sorted[0] * 1e3:F2}-{sorted[^1] * 1e3:F2})";
    }
}
