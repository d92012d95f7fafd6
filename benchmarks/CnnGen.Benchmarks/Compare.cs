using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using CnnGen.Data;
using CnnGen.Kernels;
using CnnGen.Training;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// <c>compare [--threads N] [--quick] [--no-peers] [--no-plot] [--out DIR] [--layers [NETWORK]] [--wall] [--only NETWORK] [--book DIR | --no-book]</c>:
    /// CnnGen against ONNX Runtime (same process, same weights, same inputs) and PyTorch (the script in <c>benchmarks/peers</c>,
    /// when <c>/usr/bin/python3</c> has torch), one table of times and ratios, allocations per call, fraction of the FMA peak, and
    /// a PNG of throughput against batch size. SimpleConvNet runs with the book's trained weights on MNIST test images when the
    /// mnist-book folder is found (<see cref="BookData"/>), the other networks with random weights on uniform noise.
    /// </summary>
    public static class Compare
    {
        public static readonly int[] Batches = { 1, 8, 32, 100, 256 };
        public const int TrainBatch = 100;

        private sealed record Row(string Network, string Case, int Batch, long Flops, Measurement CnnGen, Measurement? Ort, PeerTime? Torch);

        public sealed record PeerTime(double Median, double Min, double Max);

        private static INetwork[] CreateNetworks() => new INetwork[] { new SimpleConvNet(1), new LeNet5(1), new SmallVgg(1) };

        public static int Run(string[] args)
        {
            int threads = 1;
            bool quick = false, peers = true, plot = true, layers = false, wall = false;
            string outDir = "benchmark-results";
            string? layerFilter = null, only = null, bookFolder = null;
            bool book = true;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--quick": quick = true; break;
                    case "--no-peers": peers = false; break;
                    case "--no-plot": plot = false; break;
                    case "--layers":
                        layers = true;
                        if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) layerFilter = args[++i];
                        break;
                    case "--wall": wall = true; break;
                    case "--only": only = args[++i]; break;
                    case "--out": outDir = args[++i]; break;
                    case "--book": bookFolder = args[++i]; break;
                    case "--no-book": book = false; break;
                    default:
                        Console.Error.WriteLine($"Unknown option {args[i]}. Usage: compare [--threads N] [--quick] [--no-peers] [--no-plot] [--layers [NETWORK]] [--wall] [--only NETWORK] [--book DIR | --no-book] [--out DIR]");
                        return 2;
                }
            }

            KernelDispatch.MaxDegreeOfParallelism = threads;
            bool cpuClock = threads == 1 && !wall;
            (int reps, double repSeconds, double warmup) = quick ? (3, 0.002, 0.01) : (21, 0.05, 0.3);

            if (layers)
            {
                LayerProfile.Run(reps, repSeconds, warmup, layerFilter, book ? BookData.TryLoad(bookFolder) : null);
                return 0;
            }

            Console.WriteLine($"CnnGen compare: {threads} thread(s), SIMD {KernelDispatch.Level}, {Environment.ProcessorCount} processors, " +
                $"{(cpuClock ? "thread CPU time" : "wall clock")} per call, median of {reps} (min-max){(quick ? ", quick smoke run" : "")}");
            double peak = PeakFma.MeasureGflops(quick ? 3 : 15) * threads;
            Console.WriteLine($"Peak FMA: {peak:F1} GFLOP/s ({threads} thread(s))");
            BookData? data = book ? BookData.TryLoad(bookFolder) : null;
            Console.WriteLine(data is not null
                ? $"SimpleConvNet: the book's trained weights on MNIST test images ({data.Root}); other networks: random weights, uniform inputs"
                : "All networks: random weights, uniform inputs (the mnist-book folder was not found or --no-book; see --book)");


            var rows = new List<Row>();
            Dictionary<string, Dictionary<string, Dictionary<int, PeerTime>>>? torch = null;
            if (peers)
            {
                // Run the peer first, alone, so the two processes do not compete for the cores.
                torch = RunPyTorch(threads, quick);
            }

            foreach (INetwork net in CreateNetworks().Where(n => only is null || n.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
            {
                var random = new Random(7);
                MnistDataset? images = null;
                if (data is not null && net is SimpleConvNet trained)
                {
                    data.LoadWeights(trained);
                    images = data.Test;
                }

                byte[] model = OrtRunner.Export(net);
                List<Case> cases = CasesOf(net, images, random);
                WarmUp(net, cases, quick ? 0.05 : Timing.JitWarmupSeconds);
                foreach (Case c in cases)
                {
                    c.Enter();
                    Measurement mine;
                    Measurement? ort = null;
                    if (peers && c.OrtInputs is not null)
                    {
                        // CnnGen and ONNX Runtime take turns (Timing.MeasureInTurns), so the ratio holds on a busy machine.
                        using var runner = new OrtRunner(model, net.InputShape, net.OutputSize, c.Batch, threads, c.OrtInputs);
                        runner.Run();
                        if (!c.ReducedPrecision) CheckSame(net.Forward(c.OrtInputs[0]), runner.Output, net.Name, c.Batch);
                        Measurement[] both = Timing.MeasureInTurns([c.Call, runner.Run], reps, repSeconds, warmup);
                        (mine, ort) = (both[0], both[1]);
                    }
                    else
                    {
                        mine = Timing.Measure(c.Call, reps, repSeconds, warmup);
                    }

                    // The bfloat16 row is set against ONNX Runtime in float32 on the same images (timed again, in turns with it)
                    // and against PyTorch's float32 row.
                    string peerCase = c.Training ? "train" : "infer";
                    rows.Add(new Row(net.Name, c.Name, c.Batch, (c.Training ? TrainFlops(net) : ForwardFlops(net)) * c.Batch, mine,
                        ort, Peer(torch, net.Name, peerCase, c.Batch)));
                }
            }

            PrintTable(rows, cpuClock, peak, torch is not null);
            if (plot)
            {
                Directory.CreateDirectory(outDir);
                foreach (string name in rows.Select(r => r.Network).Distinct())
                {
                    string path = Path.Combine(outDir, $"throughput-{name}-{threads}t.png");
                    ThroughputPlot.Save(path, name, threads, rows.Where(r => r.Network == name && r.Case.StartsWith("infer", StringComparison.Ordinal))
                        .Select(r => (r.Batch, r.Batch / r.CnnGen.Median(cpuClock), r.Ort is { } o ? r.Batch / o.Median(cpuClock) : double.NaN,
                            r.Torch is { } t ? r.Batch / t.Median : double.NaN)).ToList());
                    Console.WriteLine($"Plot: {Path.GetFullPath(path)}");
                }
            }

            KernelDispatch.Reset();
            return 0;
        }

        private static void PrintTable(List<Row> rows, bool cpu, double peak, bool hasTorch)
        {
            Console.WriteLine();
            Console.WriteLine("Times per call: median (min-max). Ratio = fastest peer / CnnGen (above 1: CnnGen is faster); by round = the median over");
            Console.WriteLine("the 21 rounds of ONNX Runtime / CnnGen, each from two repetitions timed in turns.");
            string header = $"{"network",-14} {"case",-11} {"CnnGen",-27} {"ONNX Runtime",-27} {"PyTorch",-27} {"ratio",7} {"by round",8} {"img/s",10} {"%peak",6} {"B/call",7}";
            Console.WriteLine(header);
            Console.WriteLine(new string('-', header.Length));
            foreach (Row r in rows)
            {
                double mine = r.CnnGen.Median(cpu);
                string ort = r.Ort is { } o ? Fmt(o.Median(cpu), o.Min(cpu), o.Max(cpu)) : "-";
                string torch = r.Torch is { } t ? Fmt(t.Median, t.Min, t.Max) : (hasTorch ? "-" : "n/a");
                double fastest = Math.Min(r.Ort?.Median(cpu) ?? double.PositiveInfinity, r.Torch?.Median ?? double.PositiveInfinity);
                string ratio = double.IsInfinity(fastest) ? "-" : (fastest / mine).ToString("F2", CultureInfo.InvariantCulture) + "x";
                double gflops = r.Flops / mine / 1e9;
                string byRound = r.Ort is { } peer && r.CnnGen.MedianRatio(peer, cpu) is { } paired ? paired.ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
                Console.WriteLine($"{r.Network,-14} {r.Case,-11} {Fmt(mine, r.CnnGen.Min(cpu), r.CnnGen.Max(cpu)),-27} {ort,-27} {torch,-27} {ratio,7} {byRound,8} " +
                    $"{r.Batch / mine,10:N0} {100 * gflops / peak,5:F1}% {r.CnnGen.BytesPerCall,7:F0}");
            }

            Console.WriteLine("B/call: managed bytes allocated per CnnGen call after warm-up (GC.GetAllocatedBytesForCurrentThread).");
        }

        private static string Fmt(double median, double min, double max) => $"{Time(median)} ({Time(min)}-{Time(max)})";

        private static string Time(double seconds) => seconds >= 1e-3
            ? (seconds * 1e3).ToString("F2", CultureInfo.InvariantCulture) + "ms"
            : (seconds * 1e6).ToString("F1", CultureInfo.InvariantCulture) + "us";

        private static long ForwardFlops(INetwork net) => net.Layers.Sum(l => l.ForwardFlops);

        /// <summary>Forward, weight gradient and (except for the first weighted layer) input gradient of every conv/affine layer.</summary>
        private static long TrainFlops(INetwork net)
        {
            long total = 0;
            bool first = true;
            foreach (LayerInfo l in net.Layers)
            {
                if (l.ForwardFlops == 0) continue;
                total += l.ForwardFlops * (first ? 2 : 3);
                first = false;
            }

            return total;
        }

        /// <summary>One row of the table for one network: how to put the network in the row's mode, and the call timed.</summary>
        /// <param name="ReducedPrecision">Whether CnnGen runs with reduced-precision weights here (its outputs then differ
        /// slightly from ONNX Runtime's float32 ones, so they are not compared).</param>
        private sealed record Case(string Name, int Batch, bool Training, Action Enter, Action Call, float[][]? OrtInputs, bool ReducedPrecision = false);

        /// <summary>Inference at every batch size, the opt-in bfloat16 weights at batch 1 (SimpleConvNet), a training step.</summary>
        private static List<Case> CasesOf(INetwork net, MnistDataset? images, Random random)
        {
            var simple = net as SimpleConvNet;
            Action inference = () =>
            {
                simple?.UseCompactWeights(false);
                net.IsTraining = false; // inference rows: inference mode, as the peers run them
            };
            var cases = new List<Case>();
            foreach (int batch in Batches)
            {
                var inputs = new Inputs(images, random, batch, net.InputSize);
                cases.Add(new Case($"infer b{batch}", batch, false, inference, () => net.Forward(inputs.Next()), inputs.Batches()));
            }

            if (simple is not null)
            {
                // The opt-in bfloat16 affine weights (inference mode, batches below CompactDense.MaxBatch).
                var inputs = new Inputs(images, random, 1, net.InputSize);
                cases.Add(new Case("bf16 b1", 1, false, () =>
                {
                    net.IsTraining = false;
                    simple.UseCompactWeights();
                }, () => net.Forward(inputs.Next()), inputs.Batches(), ReducedPrecision: true));
            }

            float[] input = images is null ? RandomInput(random, TrainBatch * net.InputSize) : images.Images.AsSpan(0, TrainBatch * net.InputSize).ToArray();
            int[] labels = images is null
                ? Enumerable.Range(0, TrainBatch).Select(i => random.Next(net.OutputSize)).ToArray()
                : images.Labels.AsSpan(0, TrainBatch).ToArray();
            var sgd = new Sgd(0.001f);
            cases.Add(new Case($"train b{TrainBatch}", TrainBatch, true, () =>
            {
                simple?.UseCompactWeights(false);
                net.IsTraining = true;
            }, () =>
            {
                net.Loss(input, labels);
                net.Backward();
                sgd.Step(net.Parameters);
            }, null));
            return cases;
        }

        /// <summary>Runs every case in turns (see <see cref="Timing.WarmUp"/>), then puts the weights back (the training case
        /// changes them).</summary>
        private static void WarmUp(INetwork net, List<Case> cases, double seconds)
        {
            float[][] saved = net.Parameters.Select(p => p.Values.ToArray()).ToArray();
            Timing.WarmUp(cases.Select(c => c.Call).ToList(), seconds, i => cases[i].Enter());
            for (int i = 0; i < saved.Length; i++) saved[i].CopyTo(net.Parameters[i].Values);
        }

        /// <summary>The inputs a row is timed on: consecutive batches of real images, one after another (so a kernel whose
        /// speed depends on the data is timed over many images, not one), or one batch of uniform noise.</summary>
        private sealed class Inputs
        {
            private readonly float[] _pool;
            private readonly int _length, _count;
            private int _next;

            public Inputs(MnistDataset? images, Random random, int batch, int inputSize)
            {
                _length = batch * inputSize;
                if (images is null)
                {
                    _pool = RandomInput(random, _length);
                    _count = 1;
                }
                else
                {
                    _count = Math.Max(1, Math.Min(images.Count, 1000) / batch);
                    _pool = images.Images.AsSpan(0, _count * _length).ToArray();
                }

            }

            /// <summary>Every batch of the pool, each in an array of its own (ONNX Runtime's bound inputs, taken in the same
            /// turns; it is checked against CnnGen on the first).</summary>
            public float[][] Batches() =>
                Enumerable.Range(0, _count).Select(i => _pool.AsSpan(i * _length, _length).ToArray()).ToArray();

            public ReadOnlySpan<float> Next()
            {
                int index = _next;
                _next = index + 1 == _count ? 0 : index + 1;
                return _pool.AsSpan(index * _length, _length);
            }
        }

        private static float[] RandomInput(Random random, int count)
        {
            var x = new float[count];
            for (int i = 0; i < count; i++) x[i] = (float)random.NextDouble();
            return x;
        }

        private static void CheckSame(ReadOnlySpan<float> mine, float[] ort, string name, int batch)
        {
            float worst = 0;
            for (int i = 0; i < ort.Length; i++) worst = Math.Max(worst, Math.Abs(mine[i] - ort[i]) / (1 + Math.Abs(ort[i])));
            if (worst > 1e-3f) Console.Error.WriteLine($"warning: {name} batch {batch}: CnnGen and ONNX Runtime logits differ by {worst:G3}");
        }

        private static PeerTime? Peer(Dictionary<string, Dictionary<string, Dictionary<int, PeerTime>>>? torch, string net, string kind, int batch) =>
            torch is not null && torch.TryGetValue(net, out var k) && k.TryGetValue(kind, out var b) && b.TryGetValue(batch, out PeerTime? t) ? t : null;

        private static Dictionary<string, Dictionary<string, Dictionary<int, PeerTime>>>? RunPyTorch(int threads, bool quick)
        {
            const string python = "/usr/bin/python3";
            string script = Path.Combine(AppContext.BaseDirectory, "peers", "pytorch_bench.py");
            if (!File.Exists(python) || !File.Exists(script))
            {
                Console.WriteLine("PyTorch: skipped (no /usr/bin/python3 or script)");
                return null;
            }

            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add("--threads");
            psi.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add("--batches");
            psi.ArgumentList.Add(string.Join(",", Batches));
            psi.ArgumentList.Add("--train-batch");
            psi.ArgumentList.Add(TrainBatch.ToString(CultureInfo.InvariantCulture));
            if (quick) psi.ArgumentList.Add("--quick");
            try
            {
                using Process p = Process.Start(psi)!;
                string stdout = p.StandardOutput.ReadToEnd();
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    Console.WriteLine($"PyTorch: skipped (exit {p.ExitCode}: {stderr.Split('\n').LastOrDefault(s => s.Length > 0)})");
                    return null;
                }

                using JsonDocument doc = JsonDocument.Parse(stdout);
                Console.WriteLine($"PyTorch: {doc.RootElement.GetProperty("engine").GetString()}, {threads} thread(s)");
                var result = new Dictionary<string, Dictionary<string, Dictionary<int, PeerTime>>>();
                foreach (JsonProperty net in doc.RootElement.GetProperty("networks").EnumerateObject())
                {
                    var kinds = new Dictionary<string, Dictionary<int, PeerTime>>();
                    foreach (JsonProperty kind in net.Value.EnumerateObject())
                    {
                        var byBatch = new Dictionary<int, PeerTime>();
                        foreach (JsonProperty b in kind.Value.EnumerateObject())
                        {
                            byBatch[int.Parse(b.Name, CultureInfo.InvariantCulture)] = new PeerTime(
                                b.Value.GetProperty("median").GetDouble(), b.Value.GetProperty("min").GetDouble(), b.Value.GetProperty("max").GetDouble());
                        }

                        kinds[kind.Name] = byBatch;
                    }

                    result[net.Name] = kinds;
                }

                return result;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or InvalidOperationException or KeyNotFoundException)
            {
                Console.WriteLine($"PyTorch: skipped ({e.Message})");
                return null;
            }
        }
    }
}
