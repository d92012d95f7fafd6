using System;
using System.Linq;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CnnGen.Benchmarks
{
    /// <summary>Median, minimum and maximum seconds per call over repetitions, by CPU time and by the wall clock,
    /// and managed bytes allocated per call after warm-up.</summary>
    public readonly record struct Measurement(double CpuMedian, double CpuMin, double CpuMax, double WallMedian, double WallMin, double WallMax, double BytesPerCall, int CallsPerRep, int Reps,
        double[]? CpuByRound = null, double[]? WallByRound = null)
    {
        /// <summary>The median over rounds of <paramref name="other"/>'s time divided by this one's, where both were timed in
        /// the same rounds (<see cref="Timing.MeasureInTurns"/>): each ratio compares two repetitions timed moments apart.</summary>
        public double? MedianRatio(Measurement other, bool cpu)
        {
            double[]? mine = cpu ? CpuByRound : WallByRound, theirs = cpu ? other.CpuByRound : other.WallByRound;
            if (mine is null || theirs is null || mine.Length != theirs.Length) return null;
            double[] ratios = theirs.Zip(mine, (t, m) => t / m).Order().ToArray();
            return ratios[ratios.Length / 2];
        }

        /// <summary>The time the tables use: the calling thread's CPU time for one thread (robust when other processes
        /// share the cores), the wall clock for more.</summary>
        public double Median(bool cpu) => cpu ? CpuMedian : WallMedian;
        public double Min(bool cpu) => cpu ? CpuMin : WallMin;
        public double Max(bool cpu) => cpu ? CpuMax : WallMax;
    }

    /// <summary>A Stopwatch/CPU-time harness: warm-up, a calibrated number of calls per repetition, N repetitions.</summary>
    public static class Timing
    {
        /// <summary>Sorts <paramref name="values"/> in place (so its first and last elements are then the minimum and maximum)
        /// and returns the middle one.</summary>
        public static double SortedMedian(List<double> values)
        {
            values.Sort();
            return values[values.Count / 2];
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out TimeSpec time);

        private const int ClockProcessCpuTime = 2, ClockThreadCpuTime = 3;

        /// <summary>The process's CPU time in seconds (every thread, helpers included), without allocating.</summary>
        public static double ProcessCpuSeconds()
        {
            if (OperatingSystem.IsLinux() && ClockGetTime(ClockProcessCpuTime, out TimeSpec t) == 0)
            {
                return t.Seconds + t.Nanoseconds * 1e-9;
            }

            return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        }

        /// <summary>
        /// The calling thread's CPU time in seconds (the process's where that clock is unavailable). With one thread
        /// every kernel, CnnGen's and ONNX Runtime's alike, runs on the calling thread, so this clock counts exactly the
        /// work measured: not the runtime's background threads (JIT compilation, the GC), and not time the thread spent
        /// waiting for a core that another process held.
        /// </summary>
        public static double ThreadCpuSeconds()
        {
            if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out TimeSpec t) == 0)
            {
                return t.Seconds + t.Nanoseconds * 1e-9;
            }

            return ProcessCpuSeconds();
        }

        /// <summary>Seconds every measurement mode runs its calls, in turns, before it times any (see <see cref="WarmUp"/>).</summary>
        public const double JitWarmupSeconds = 3.0;

        /// <summary>
        /// Runs <paramref name="calls"/> in turns, each for a short slice, until <paramref name="seconds"/> have passed. The
        /// .NET JIT compiles a method first without optimisation and recompiles it, optimised with what it saw, only after it
        /// has run for a while (tiered compilation): SimpleConvNet's batch-1 forward took about 400 us per call for its first
        /// 0.3 s, 25 us for the next second and 17 us from about 1.5 s on. A measurement's own short warm-up does not cover
        /// that, so everything a table times runs first, together, for a few seconds.
        /// </summary>
        /// <param name="calls">What is timed afterwards.</param>
        /// <param name="seconds">How long all of them run together.</param>
        /// <param name="enter">Called with a call's index before each of its slices (to put a network in that call's mode).</param>
        public static void WarmUp(IReadOnlyList<Action> calls, double seconds, Action<int>? enter = null)
        {
            if (calls.Count == 0) return;
            var clock = Stopwatch.StartNew();
            long slice = (long)(Stopwatch.Frequency * Math.Max(seconds, 0.01) / 20 / calls.Count);
            do
            {
                for (int i = 0; i < calls.Count; i++)
                {
                    enter?.Invoke(i);
                    Action call = calls[i];
                    long start = clock.ElapsedTicks;
                    do call();
                    while (clock.ElapsedTicks - start < slice);
                }
            }
            while (clock.Elapsed.TotalSeconds < seconds);
        }

        /// <summary>Times <paramref name="call"/>: warm-up for <paramref name="warmupSeconds"/>, then <paramref name="reps"/>
        /// repetitions of enough calls to last about <paramref name="repSeconds"/> each.</summary>
        public static Measurement Measure(Action call, int reps, double repSeconds, double warmupSeconds) =>
            MeasureInTurns([call], reps, repSeconds, warmupSeconds)[0];

        /// <summary>
        /// Times several calls that a table sets against each other (CnnGen and ONNX Runtime on the same inputs): each is
        /// warmed up and sized as in <see cref="Measure"/>, then their repetitions take turns (one repetition of each per
        /// round, the order reversed every other round), so a slow spell of a shared machine falls on all of them alike
        /// instead of on whichever happened to be timed during it.
        /// </summary>
        public static Measurement[] MeasureInTurns(IReadOnlyList<Action> calls, int reps, double repSeconds, double warmupSeconds)
        {
            int n = calls.Count;
            var perRep = new int[n];
            var allocated = new double[n];
            for (int c = 0; c < n; c++)
            {
                Action call = calls[c];
                var sw = Stopwatch.StartNew();
                int warm = 0;
                while (warm < 2 || sw.Elapsed.TotalSeconds < warmupSeconds)
                {
                    call();
                    warm++;
                }

                double perCall = sw.Elapsed.TotalSeconds / warm;
                int k = (int)Math.Clamp(repSeconds / Math.Max(perCall, 1e-9), 1, 1_000_000);
                perRep[c] = k;

                long a0 = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < k; i++) call();
                long a1 = GC.GetAllocatedBytesForCurrentThread();
                allocated[c] = (double)(a1 - a0) / k;
            }

            var cpu = new double[n][];
            var wall = new double[n][];
            for (int c = 0; c < n; c++)
            {
                cpu[c] = new double[reps];
                wall[c] = new double[reps];
            }

            for (int r = 0; r < reps; r++)
            {
                for (int j = 0; j < n; j++)
                {
                    int c = r % 2 == 0 ? j : n - 1 - j;
                    Action call = calls[c];
                    int k = perRep[c];
                    double c0 = ThreadCpuSeconds();
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = 0; i < k; i++) call();
                    wall[c][r] = Stopwatch.GetElapsedTime(t0).TotalSeconds / k;
                    cpu[c][r] = (ThreadCpuSeconds() - c0) / k;
                }
            }

            var result = new Measurement[n];
            for (int c = 0; c < n; c++)
            {
                double[] cpuByRound = (double[])cpu[c].Clone(), wallByRound = (double[])wall[c].Clone();
                Array.Sort(cpu[c]);
                Array.Sort(wall[c]);
                result[c] = new Measurement(cpu[c][reps / 2], cpu[c][0], cpu[c][reps - 1], wall[c][reps / 2], wall[c][0], wall[c][reps - 1],
                    allocated[c], perRep[c], reps, cpuByRound, wallByRound);
            }

            return result;
        }
    }
}
