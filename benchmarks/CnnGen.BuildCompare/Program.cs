using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace CnnGen.BuildCompare
{
    /// <summary>
    /// Compares two builds of CnnGen in one process: a network's training step and batch-100 inference, on one thread and
    /// on two, the builds taking turns of eight calls. Two runs of the benchmarks in separate processes differ by more than
    /// most changes on a shared host (the host's load moves between them); turns a few milliseconds apart see the same host.
    /// Usage: <c>baseline-folder candidate-folder [seconds per case, 20] [network, SimpleConvNet]</c>, each folder a build
    /// output of benchmarks/CnnGen.Benchmarks.
    /// </summary>
    internal static class Program
    {
        private const int CallsPerTurn = 8;

        private static int Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: CnnGen.BuildCompare BASELINE_FOLDER CANDIDATE_FOLDER [SECONDS] [NETWORK]");
                return 2;
            }

            double seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 20;
            string network = args.Length > 3 ? args[3] : "SimpleConvNet";
            var builds = new[] { new BuildLoad(args[0]), new BuildLoad(args[1]) };
            var workloads = builds.Select(b => b.Workloads(network)).ToArray();
            Console.WriteLine($"CnnGen build compare: {network}, {workloads[0].Data}; {seconds:0.##} s per case, turns of {CallsPerTurn} calls, wall clock per call");
            Console.WriteLine($"  A (baseline):  {builds[0].Folder}");
            Console.WriteLine($"  B (candidate): {builds[1].Folder}");
            foreach (string mode in new[] { "train b100", "infer b100" })
            {
                foreach (int degree in new[] { 1, 2 })
                {
                    Action[] calls = workloads.Select(w => mode.StartsWith("train", StringComparison.Ordinal) ? w.Train : w.Infer).ToArray();
                    var times = Measure(builds, calls, degree, seconds);
                    double a = Median(times[0]), b = Median(times[1]);
                    double byRound = Median(times[0].Zip(times[1], (x, y) => y / x).ToList());
                    Console.WriteLine($"{mode} {degree} thread{(degree == 1 ? " " : "s")}:  A {a:0.000} ms  B {b:0.000} ms  B/A {b / a:0.000} (by round {byRound:0.000}, {times[0].Count} turns each)");
                }
            }

            return 0;
        }

        /// <summary>Per-call milliseconds of each build's turns; the build that goes first alternates from round to round.</summary>
        private static List<double>[] Measure(BuildLoad[] builds, Action[] calls, int degree, double seconds)
        {
            var times = new[] { new List<double>(), new List<double>() };
            // Warm-up in turns: the JIT recompiles a method with full optimisation only after it has run for a while, and a
            // build warmed by a few calls, while the other had its turn, was still partly on unoptimised code (an
            // identical build compared with itself then ran 1.6x slower for the first turns).
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed.TotalSeconds < Math.Min(3, seconds / 4) || warmUp.Elapsed.TotalSeconds < 0.05)
            {
                for (int v = 0; v < 2; v++)
                {
                    builds[v].Degree = degree;
                    for (int i = 0; i < 4; i++) calls[v]();
                }
            }

            var clock = Stopwatch.StartNew();
            for (int round = 0; clock.Elapsed.TotalSeconds < seconds || round < 2; round++)
            {
                for (int k = 0; k < 2; k++)
                {
                    int v = (round + k) % 2;
                    builds[v].Degree = degree;
                    calls[v](); // wakes the build's pool helper, which slept through the other build's turn
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < CallsPerTurn; i++) calls[v]();
                    times[v].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / CallsPerTurn);
                }
            }

            return times;
        }

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(x => x).ToList();
            return sorted[sorted.Count / 2];
        }
    }
}
