using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Threading;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// <c>host [SECONDS]</c>: what the machine gives one core and two at this moment, the context for a two-thread
    /// speed-up. Three probes, each run by one thread alone and then by two threads at once, sampled in 200 ms slices: the
    /// FMA rate (registers only), reading a 1.7 MB array again and again (SimpleConvNet's affine weights: more than a
    /// core's L2), and reading it after a 64 MB sweep has pushed it out of the caches (where it comes from once other
    /// work has run in between, as a network's weights do between calls). The median and the worst slice per thread.
    /// </summary>
    public static class HostReport
    {
        private const int Floats = 432_000, SweepFloats = 16 << 20;
        private static readonly double Slice = 0.2;

        public static int Run(string[] args)
        {
            double seconds = args.Length > 0 && double.TryParse(args[0], out double s) ? s : 4;
            int slices = Math.Max(3, (int)(seconds / Slice));
            Console.WriteLine($"CnnGen host: {Environment.ProcessorCount} processors, {slices} slices of {Slice * 1000:F0} ms per probe and mode; per thread: median (worst slice)");
            PeakFma.Run(1 << 16);
            Console.WriteLine($"{"probe",-34} {"one thread",-22} {"two threads at once, each",-28} ratio of medians");
            Probe("FMA, GFLOP/s", slices, () => Fma);
            Probe("1.7 MB read again and again, GB/s", slices, () =>
            {
                float[] data = Filled(Floats);
                return () => Read(data, null);
            });
            Probe("1.7 MB read out of cache, GB/s", slices, () =>
            {
                float[] data = Filled(Floats), sweep = Filled(SweepFloats);
                return () => Read(data, sweep);
            });
            return 0;
        }

        /// <summary>Times the step <paramref name="makeStep"/> gives each thread (with the arrays it needs, its own) alone,
        /// then on two threads at once, and prints the rates.</summary>
        private static void Probe(string name, int slices, Func<Func<(double Units, double Seconds)>> makeStep)
        {
            List<double>[] alone = Measure(1, slices, makeStep), together = Measure(2, slices, makeStep);
            double soloMedian = Median(alone[0]);
            double pairMedian = (Median(together[0]) + Median(together[1])) / 2;
            string pair = string.Join(" / ", together.Select(t => $"{Median(t):F0} ({t.Min():F0})"));
            Console.WriteLine($"{name,-34} {$"{soloMedian:F0} ({alone[0].Min():F0})",-22} {pair,-28} {pairMedian / soloMedian:F2}");
        }

        /// <summary>Runs a step from <paramref name="makeStep"/> on each of <paramref name="threads"/> threads at once and
        /// returns each thread's rate per slice.</summary>
        private static List<double>[] Measure(int threads, int slices, Func<Func<(double Units, double Seconds)>> makeStep)
        {
            var results = new List<double>[threads];
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                Func<(double Units, double Seconds)> step = makeStep();
                for (int i = 0; i < 20; i++) step();
                var rates = new List<double>(slices);
                start.SignalAndWait();
                for (int n = 0; n < slices; n++)
                {
                    double units = 0, busy = 0;
                    long end = Stopwatch.GetTimestamp() + (long)(Slice * Stopwatch.Frequency);
                    while (Stopwatch.GetTimestamp() < end)
                    {
                        (double u, double secondsTaken) = step();
                        units += u;
                        busy += secondsTaken;
                    }

                    rates.Add(units / busy / 1e9);
                }

                results[t] = rates;
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            return results;
        }

        private static float[] Filled(int floats)
        {
            var values = new float[floats];
            values.AsSpan().Fill(1f);
            return values;
        }

        private static (double, double) Fma()
        {
            long t0 = Stopwatch.GetTimestamp();
            PeakFma.Run(1 << 14);
            return (PeakFma.Flops / (double)(PeakFma.Iterations / (1 << 14)), Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        /// <summary>Reads <paramref name="data"/> once (timed), after reading <paramref name="sweep"/> (untimed) when given.</summary>
        private static unsafe (double, double) Read(float[] data, float[]? sweep)
        {
            if (sweep != null) Sum(sweep);
            long t0 = Stopwatch.GetTimestamp();
            Sum(data);
            return (data.Length * 4.0, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        private static unsafe float Sum(float[] values)
        {
            fixed (float* p = values)
            {
                // Four independent sums, so that the loads, not the additions' latency, set the pace.
                Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                int i = 0;
                for (; i <= values.Length - 32; i += 32)
                {
                    a0 += Vector256.Load(p + i);
                    a1 += Vector256.Load(p + i + 8);
                    a2 += Vector256.Load(p + i + 16);
                    a3 += Vector256.Load(p + i + 24);
                }

                float sum = Vector256.Sum(a0 + a1 + a2 + a3);
                for (; i < values.Length; i++) sum += p[i];
                return sum;
            }
        }

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted[sorted.Count / 2];
        }
    }
}
