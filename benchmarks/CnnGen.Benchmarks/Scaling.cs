using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using CnnGen.Kernels;
using CnnGen.Training;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// <c>scaling [SECONDS] [NETWORK]</c>: one thread against two, by the wall clock, for each network's training step and
    /// batch-100 inference. Three modes take turns call batch by call batch, so a change in the machine's load during the
    /// run (other processes, other virtual machines on the host, the clock) falls on all alike: one thread; two threads
    /// (the network's own parallelism); and two copies, a second instance of the network doing the same calls on a thread of
    /// its own at the same time as the first, each on one thread. The copies share nothing and never wait for each other,
    /// so their combined throughput is what the two cores give this work at that moment: the ceiling of any two-thread
    /// speed-up (2x on an idle machine with two real cores; less when the host runs other work on the same physical cores
    /// or memory). The speed-ups are ratios of medians (of minima, the best each reached, in brackets).
    /// </summary>
    public static class Scaling
    {
        /// <summary>Fewest calls a turn makes.</summary>
        private const int MinCallsPerTurn = 5;

        /// <summary>Least time a turn on one thread lasts (more calls for a short call). A turn's first call finds the pool's
        /// helper asleep, since the other modes' turns ran in between (an idle helper blocks after 100 µs), and waking it
        /// on this virtual machine cost SimpleConvNet's two-thread batch-100 inference about 170 µs (median of its first
        /// call in a turn 1,169 µs, of the others 997–1,032 µs): with turns of five calls, a fifth of the two-thread calls
        /// paid it, which a pass run for throughput pays once. Turns of 20 ms or more keep the share of such first calls
        /// under a twentieth.</summary>
        private const double MinTurnSeconds = 0.02;

        public static int Run(string[] args)
        {
            double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 4;
            string? only = args.Length > 1 ? args[1] : null;
            Console.WriteLine($"CnnGen scaling: 1 vs 2 threads, wall clock, modes taking turns, about {seconds:0.##} s per case, {Environment.ProcessorCount} processors");
            Console.WriteLine("  two copies: two instances, one thread each, at once (the two cores' ceiling for this work at that moment)");
            Console.WriteLine("  speed-ups: of the medians (of the best calls); by round: the median over rounds of one thread's time over two threads'");
            Console.WriteLine($"  a turn: at least {MinCallsPerTurn} calls and {MinTurnSeconds * 1e3:0} ms on one thread (its first call wakes the pool's helper); times are per call");
            // SimpleConvNet as compare runs it: the book's trained weights on MNIST test images where the folder is found.
            BookData? book = BookData.TryLoad(null);
            Console.WriteLine(book is null
                ? "  data: random weights and uniform inputs (no mnist-book folder found)"
                : $"  data: SimpleConvNet the book's weights on the first 100 MNIST test images ({book.Root}); the others random weights, uniform inputs");
            Console.WriteLine();
            Console.WriteLine($"{"network",-14} {"case",-11} {"1 thread",-21} {"2 threads",-21} {"2 copies (per call)",-21} {"2 threads",14} {"by round",8} {"2 copies",14} {"threads/copies",15}");
            using var twin = new TwinThread();
            foreach ((INetwork net, INetwork copy) in new (INetwork, INetwork)[]
                     {
                         (new SimpleConvNet(1), new SimpleConvNet(1)), (new LeNet5(1), new LeNet5(1)), (new SmallVgg(1), new SmallVgg(1)),
                     })
            {
                if (only is not null && !net.Name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
                var random = new Random(5);
                float[] inference = Enumerable.Range(0, 100 * net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
                float[] train = Enumerable.Range(0, Compare.TrainBatch * net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
                int[] labels = Enumerable.Range(0, Compare.TrainBatch).Select(_ => random.Next(net.OutputSize)).ToArray();
                if (book is not null && net is SimpleConvNet simple && copy is SimpleConvNet simpleCopy)
                {
                    book.LoadWeights(simple);
                    book.LoadWeights(simpleCopy);
                    inference = book.Test.Images.AsSpan(0, 100 * net.InputSize).ToArray();
                    train = book.Test.Images.AsSpan(0, Compare.TrainBatch * net.InputSize).ToArray();
                    labels = book.Test.Labels.AsSpan(0, Compare.TrainBatch).ToArray();
                }

                float[] inferenceCopy = (float[])inference.Clone(), trainCopy = (float[])train.Clone();
                int[] labelsCopy = (int[])labels.Clone();
                var sgd = new Sgd(0.001f);
                var sgdCopy = new Sgd(0.001f);
                Print(net.Name, "infer b100", Measure(twin, Infer(net, inference), Infer(copy, inferenceCopy), seconds));
                Print(net.Name, "train b100", Measure(twin, Train(net, train, labels, sgd), Train(copy, trainCopy, labelsCopy, sgdCopy), seconds));
            }

            KernelDispatch.Reset();
            return 0;
        }

        private static Action Infer(INetwork net, float[] images) => () =>
        {
            net.IsTraining = false;
            net.Forward(images);
            net.IsTraining = true;
        };

        private static Action Train(INetwork net, float[] images, int[] labels, Optimizer optimizer) => () =>
        {
            net.Loss(images, labels);
            net.Backward();
            optimizer.Step(net.Parameters);
        };

        /// <summary>Seconds per call in each mode, one entry per turn (a turn's time divided by its calls).</summary>
        private sealed record Times(List<double> One, List<double> Two, List<double> Copies);

        private static Times Measure(TwinThread twin, Action call, Action copy, double seconds)
        {
            var times = new Times(new List<double>(), new List<double>(), new List<double>());
            Action copies = () => twin.RunAlongside(call, copy, 1);
            Timing.WarmUp(new Action[] { call, call, copies }, Timing.JitWarmupSeconds,
                i => KernelDispatch.MaxDegreeOfParallelism = i == 1 ? 2 : 1);

            KernelDispatch.MaxDegreeOfParallelism = 1;
            long w0 = Stopwatch.GetTimestamp();
            call();
            int calls = Math.Max(MinCallsPerTurn, (int)Math.Ceiling(MinTurnSeconds / Stopwatch.GetElapsedTime(w0).TotalSeconds));
            var total = Stopwatch.StartNew();
            for (int turn = 0; total.Elapsed.TotalSeconds < seconds || turn < 15; turn++)
            {
                int mode = turn % 3;
                KernelDispatch.MaxDegreeOfParallelism = mode == 1 ? 2 : 1;
                long t0 = Stopwatch.GetTimestamp();
                if (mode == 2)
                {
                    // Both instances make the turn's calls at once: twice the work of a turn of the other modes.
                    twin.RunAlongside(call, copy, calls);
                    times.Copies.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds / (2 * calls));
                }
                else
                {
                    for (int i = 0; i < calls; i++) call();
                    (mode == 0 ? times.One : times.Two).Add(Stopwatch.GetElapsedTime(t0).TotalSeconds / calls);
                }
            }

            KernelDispatch.MaxDegreeOfParallelism = 1;
            return times;
        }

        private static void Print(string network, string name, Times t)
        {
            // Each round times one turn of every mode, moments apart: the ratio of a round's two turns (taken before the
            // lists are sorted) is less exposed to the host's slow spells than the ratio of the medians.
            var byRound = t.One.Zip(t.Two, (one, two) => one / two).ToList();
            double paired = Timing.SortedMedian(byRound);
            double m1 = Timing.SortedMedian(t.One), m2 = Timing.SortedMedian(t.Two), mc = Timing.SortedMedian(t.Copies);
            Console.WriteLine($"{network,-14} {name,-11} {Fmt(m1, t.One),-21} {Fmt(m2, t.Two),-21} {Fmt(mc, t.Copies),-21} " +
                              $"{Ratio(m1 / m2, t.One[0] / t.Two[0]),14} {paired,7:F2}x {Ratio(m1 / mc, t.One[0] / t.Copies[0]),14} {Ratio(mc / m2, t.Copies[0] / t.Two[0]),15}");
        }

        private static string Ratio(double medians, double minima) => $"{medians:F2}x ({minima:F2}x)";

        private static string Fmt(double median, List<double> sorted) =>
            $"{median * 1e3:F2} ({sorted[0] * 1e3:F2}-{sorted[^1] * 1e3:F2})";

        /// <summary>A thread that runs a second instance's calls while the calling thread runs the first's. It blocks between
        /// turns (after the semaphore's brief spin), so it takes no processor time from the other modes' helper threads.</summary>
        private sealed class TwinThread : IDisposable
        {
            private readonly Thread _thread;
            private readonly SemaphoreSlim _start = new SemaphoreSlim(0), _done = new SemaphoreSlim(0);
            private Action? _work;
            private int _calls;
            private volatile bool _stop;

            public TwinThread()
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "scaling copy" };
                _thread.Start();
            }

            /// <summary>Runs <paramref name="mine"/> on the calling thread and <paramref name="theirs"/> on this one,
            /// <paramref name="calls"/> times each, and returns when both have finished.</summary>
            public void RunAlongside(Action mine, Action theirs, int calls)
            {
                _work = theirs;
                _calls = calls;
                _start.Release();
                try
                {
                    for (int i = 0; i < calls; i++) mine();
                }
                finally
                {
                    // Even when a call here failed: the twin's turn must end before the next one starts.
                    _done.Wait();
                }
            }

            private void Loop()
            {
                while (true)
                {
                    _start.Wait();
                    if (_stop) return;
                    try
                    {
                        for (int i = 0; i < _calls; i++) _work!();
                    }
                    finally
                    {
                        _done.Release();
                    }
                }
            }

            public void Dispose()
            {
                _stop = true;
                _start.Release();
                _thread.Join();
                _start.Dispose();
                _done.Dispose();
            }
        }
    }
}
