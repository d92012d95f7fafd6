using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace CnnGen.Benchmarks
{
    /// <summary>Peak single-precision FMA throughput of one core: a Vector512 (or Vector256) loop over
    /// twelve independent accumulators, enough to cover FMA latency times the number of FMA pipes.</summary>
    public class PeakFma
    {
        public const int Iterations = 1 << 20;

        /// <summary>Floating-point operations of one <see cref="Run"/>: iterations x 12 FMAs x lanes x 2.</summary>
        public static long Flops => (long)Iterations * 12 * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

        [Benchmark(OperationsPerInvoke = 1)]
        public float Fma() => Run(Iterations);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static float Run(int iterations) =>
            Vector512.IsHardwareAccelerated ? Run512(iterations) : Run256(iterations);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Run512(int iterations)
        {
            var x = Vector512.Create(0.999999f);
            var y = Vector512.Create(1e-7f);
            Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < iterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
                a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
                a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
                a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
                a8 = Vector512.FusedMultiplyAdd(a8, x, y); a9 = Vector512.FusedMultiplyAdd(a9, x, y);
                a10 = Vector512.FusedMultiplyAdd(a10, x, y); a11 = Vector512.FusedMultiplyAdd(a11, x, y);
            }

            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Run256(int iterations)
        {
            var x = Vector256.Create(0.999999f);
            var y = Vector256.Create(1e-7f);
            Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < iterations; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, x, y); a1 = Vector256.FusedMultiplyAdd(a1, x, y);
                a2 = Vector256.FusedMultiplyAdd(a2, x, y); a3 = Vector256.FusedMultiplyAdd(a3, x, y);
                a4 = Vector256.FusedMultiplyAdd(a4, x, y); a5 = Vector256.FusedMultiplyAdd(a5, x, y);
                a6 = Vector256.FusedMultiplyAdd(a6, x, y); a7 = Vector256.FusedMultiplyAdd(a7, x, y);
                a8 = Vector256.FusedMultiplyAdd(a8, x, y); a9 = Vector256.FusedMultiplyAdd(a9, x, y);
                a10 = Vector256.FusedMultiplyAdd(a10, x, y); a11 = Vector256.FusedMultiplyAdd(a11, x, y);
            }

            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        /// <summary>Best-of-several GFLOP/s of the FMA loop on one thread.</summary>
        public static double MeasureGflops(int repeats = 15)
        {
            Run(1000);
            double best = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                Run(Iterations);
                best = Math.Min(best, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }

            return Flops / best / 1e9;
        }

        /// <summary>Best-of-several GFLOP/s of the FMA loop run on <paramref name="threads"/> threads at once (each its own
        /// loop, started together): what the cores reach together, the ceiling of any parallel speed-up.</summary>
        public static double MeasureGflopsTogether(int threads, int repeats = 15)
        {
            Run(1000);
            double best = double.MaxValue;
            using var start = new Barrier(threads + 1);
            using var done = new CountdownEvent(threads);
            bool stop = false;
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    while (true)
                    {
                        start.SignalAndWait();
                        if (Volatile.Read(ref stop)) return;
                        Run(Iterations);
                        done.Signal();
                    }
                }) { IsBackground = true };
                workers[t].Start();
            }

            for (int r = 0; r < repeats; r++)
            {
                done.Reset();
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                start.SignalAndWait();
                done.Wait();
                best = Math.Min(best, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }

            Volatile.Write(ref stop, true);
            start.SignalAndWait();
            foreach (Thread w in workers) w.Join();
            return threads * Flops / best / 1e9;
        }
    }
}
