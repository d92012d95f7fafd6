using System;
using System.Linq;
using System.Collections.Generic;
using System.Globalization;
using CnnGen.Kernels;

namespace CnnGen.Benchmarks
{
    /// <summary><c>compare --layers [NETWORK]</c>: times each kernel call of SimpleConvNet's forward and backward pass (the same calls,
    /// shapes and buffers as the generated code) at batch 1, 8 and 100, and the inference kernels of LeNet-5 (batch 1) and
    /// SmallVgg (batch 1 and 100, the generated inference pass's fused calls), to show where a step's time goes.</summary>
    public static class LayerProfile
    {
        private static readonly ConvGeometry Conv1 = new(1, 28, 28, 30, 5, 1, 0);
        private static readonly ConvGeometry Pool3 = new(30, 24, 24, 30, 2, 2, 0);

        /// <summary>Profiles every network, or only the one whose name contains <paramref name="filter"/>.</summary>
        /// <param name="data">The book's weights and MNIST test images for SimpleConvNet, or null for random ones (its affine
        /// layers skip zero inputs, so their times depend on the data).</param>
        public static void Run(int reps, double repSeconds, double warmup, string? filter = null, BookData? data = null)
        {
            bool Wants(string name) => filter is null || name.Contains(filter, StringComparison.OrdinalIgnoreCase);
            if (Wants("SimpleConvNet"))
            {
                Console.WriteLine(data is null ? "SimpleConvNet: random weights and inputs" : $"SimpleConvNet: the book's weights on MNIST test images ({data.Root})");
                foreach (int batch in new[] { 1, 8, 100 })
                {
                    Profile(batch, reps, repSeconds, warmup, data);
                }

                CompareFoldedTrainingStep(rounds: 60);
            }

            if (Wants("LeNet5"))
            {
                ProfileLeNet5(1, reps, repSeconds, warmup);
                ProfileLeNet5Backward(100, reps, repSeconds, warmup);
            }

            if (Wants("SmallVgg"))
            {
                ProfileSmallVgg(1, reps, repSeconds, warmup);
                ProfileSmallVgg(100, reps, repSeconds, warmup);
                ProfileSmallVggBackward(100, reps, repSeconds, warmup);
            }
        }

        /// <summary>LeNet-5's two convolutions and average pools, as the generated code declares them.</summary>
        private static (ConvGeometry Conv1, ConvGeometry Pool1, ConvGeometry Conv2, ConvGeometry Pool2) LeNet5Shapes() =>
            (new ConvGeometry(1, 28, 28, 6, 5, 1, 2), new ConvGeometry(6, 28, 28, 6, 2, 2, 0),
             new ConvGeometry(6, 14, 14, 16, 5, 1, 0), new ConvGeometry(16, 10, 10, 16, 2, 2, 0));

        /// <summary>LeNet-5's inference kernels (random weights, the generated code's shapes).</summary>
        private static void ProfileLeNet5(int batch, int reps, double repSeconds, double warmup)
        {
            var (c1, p1, c2, p2) = LeNet5Shapes();
            var random = new Random(3);
            float[] x = Fill(random, batch * 784);
            float[] w1 = Fill(random, c1.WeightSize), b1 = Fill(random, 6), w2 = Fill(random, c2.WeightSize), b2 = Fill(random, 16);
            float[] w3 = Fill(random, 400 * 120), b3 = Fill(random, 120), w4 = Fill(random, 120 * 84), b4 = Fill(random, 84);
            float[] w5 = Fill(random, 84 * 10), b5 = Fill(random, 10);
            float[] a1 = new float[batch * c1.OutputSize], a2 = new float[batch * c1.OutputSize], a3 = new float[batch * p1.OutputSize];
            float[] a4 = new float[batch * c2.OutputSize], a5 = new float[batch * c2.OutputSize], a6 = new float[batch * p2.OutputSize];
            float[] a7 = new float[batch * 120], a8 = new float[batch * 120], a9 = new float[batch * 84], a10 = new float[batch * 84];
            float[] a11 = new float[batch * 10];
            float[] columns = new float[Math.Max(Conv2D.WorkspaceSize(c1), Conv2D.WorkspaceSize(c2))];
            Print($"LeNet-5 inference per layer, batch {batch}", reps, repSeconds, warmup, new List<(string, Action)>
            {
                ("fwd conv1 1->6 5x5 pad 2", () => Conv2D.Forward(in c1, batch, x, w1, b1, a1, columns)),
                ("fwd tanh", () => Activations.TanhForward(a1, a2)),
                ("fwd avgpool 2x2", () => Pooling.AvgForward(in p1, batch, a2, a3)),
                ("fwd conv2 6->16 5x5", () => Conv2D.Forward(in c2, batch, a3, w2, b2, a4, columns)),
                ("fwd tanh", () => Activations.TanhForward(a4, a5)),
                ("fwd avgpool 2x2", () => Pooling.AvgForward(in p2, batch, a5, a6)),
                ("fwd affine 400->120", () => Dense.Forward(batch, 400, 120, a6, w3, b3, a7)),
                ("fwd tanh", () => Activations.TanhForward(a7, a8)),
                ("fwd affine 120->84", () => Dense.Forward(batch, 120, 84, a8, w4, b4, a9)),
                ("fwd sigmoid", () => Activations.SigmoidForward(a9, a10)),
                ("fwd affine 84->10", () => Dense.Forward(batch, 84, 10, a10, w5, b5, a11)),
            });
        }

        /// <summary>LeNet-5's backward pass, the generated training step's calls in order (random data: the kernels' cost does
        /// not depend on it), then the first layer's three steps one by one (marked) for comparison with the fused call. Its forward pass runs in chunks of samples, one chunk per thread; these calls each take the whole
        /// batch, and each splits it among the threads itself or, when too small to pay for a parallel job, runs on one.</summary>
        private static void ProfileLeNet5Backward(int batch, int reps, double repSeconds, double warmup)
        {
            var (c1, p1, c2, p2) = LeNet5Shapes();
            var random = new Random(4);
            float[] x = Fill(random, batch * 784), w2 = Fill(random, c2.WeightSize);
            float[] w3 = Fill(random, 400 * 120), w4 = Fill(random, 120 * 84), w5 = Fill(random, 84 * 10);
            float[] a2 = Fill(random, batch * c1.OutputSize), a3 = Fill(random, batch * p1.OutputSize), a5 = Fill(random, batch * c2.OutputSize);
            float[] a6 = Fill(random, batch * 400), a8 = Fill(random, batch * 120), a10 = Fill(random, batch * 84), p = Fill(random, batch * 10);
            int[] labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
            float[] g1 = new float[batch * c1.OutputSize], g2 = new float[batch * c1.OutputSize], g3 = new float[batch * p1.OutputSize];
            float[] g4 = new float[batch * c2.OutputSize], g5 = new float[batch * c2.OutputSize], g6 = new float[batch * 400];
            float[] g7 = new float[batch * 120], g8 = new float[batch * 120], g9 = new float[batch * 84], g10 = new float[batch * 84], g11 = new float[batch * 10];
            float[] dw1 = new float[c1.WeightSize], db1 = new float[6], dw2 = new float[c2.WeightSize], db2 = new float[16];
            float[] dw3 = new float[400 * 120], db3 = new float[120], dw4 = new float[120 * 84], db4 = new float[84], dw5 = new float[84 * 10], db5 = new float[10];
            float[] columns = new float[Math.Max(Conv2D.WorkspaceSize(c1), Conv2D.WorkspaceSize(c2))];
            Print($"LeNet-5 backward pass per kernel, batch {batch}", reps, repSeconds, warmup, new List<(string, Action)>
            {
                ("bwd softmax-xent", () => SoftmaxCrossEntropy.Backward(batch, 10, p, labels, g11)),
                ("bwd affine 84->10", () => Dense.Backward(batch, 84, 10, a10, w5, g11, dw5, db5, g10)),
                ("bwd sigmoid", () => Activations.SigmoidBackward(a10, g10, g9)),
                ("bwd affine 120->84", () => Dense.Backward(batch, 120, 84, a8, w4, g9, dw4, db4, g8)),
                ("bwd tanh", () => Activations.TanhBackward(a8, g8, g7)),
                ("bwd affine 400->120", () => Dense.Backward(batch, 400, 120, a6, w3, g7, dw3, db3, g6)),
                ("bwd avgpool 2x2", () => Pooling.AvgBackward(in p2, batch, g6, g5)),
                ("bwd tanh", () => Activations.TanhBackward(a5, g5, g4)),
                ("bwd conv2 filter", () => Conv2D.BackwardFilter(in c2, batch, a3, g4, dw2, db2, columns)),
                ("bwd conv2 input", () => Conv2D.BackwardData(in c2, batch, g4, w2, g3, columns)),
                ("bwd avgpool+tanh+conv1", () => Conv2D.BackwardFilterThroughAvgPool(in c1, in p1, Activation.Tanh, batch, x, g3, a2, dw1, db1, columns)),
                ("(unfused: bwd avgpool 2x2)", () => Pooling.AvgBackward(in p1, batch, g3, g2)),
                ("(unfused: bwd tanh)", () => Activations.TanhBackward(a2, g2, g1)),
                ("(unfused: bwd conv1 filter)", () => Conv2D.BackwardFilter(in c1, batch, x, g1, dw1, db1, columns)),
            });
        }

        /// <summary>SmallVgg's inference kernels (random weights, the generated code's shapes).</summary>
        private static void ProfileSmallVgg(int batch, int reps, double repSeconds, double warmup)
        {
            var c1 = new ConvGeometry(3, 32, 32, 16, 3, 1, 1);
            var c2 = new ConvGeometry(16, 32, 32, 16, 3, 1, 1);
            var p1 = new ConvGeometry(16, 32, 32, 16, 2, 2, 0);
            var c3 = new ConvGeometry(16, 16, 16, 32, 3, 1, 1);
            var c4 = new ConvGeometry(32, 16, 16, 32, 3, 1, 1);
            var p2 = new ConvGeometry(32, 16, 16, 32, 2, 2, 0);
            var random = new Random(3);
            float[] x = Fill(random, batch * c1.InputSize);
            float[] w1 = Fill(random, c1.WeightSize), w2 = Fill(random, c2.WeightSize), w3 = Fill(random, c3.WeightSize), w4 = Fill(random, c4.WeightSize);
            float[] b16 = Fill(random, 16), b32 = Fill(random, 32), w5 = Fill(random, 2048 * 128), b5 = Fill(random, 128);
            float[] w6 = Fill(random, 128 * 10), b6 = Fill(random, 10);
            float[] big1 = new float[batch * c1.OutputSize], big2 = new float[batch * c1.OutputSize];
            float[] mid1 = new float[batch * c3.InputSize], mid2 = new float[batch * c3.OutputSize], mid3 = new float[batch * c3.OutputSize];
            float[] small = new float[batch * p2.OutputSize], h1 = new float[batch * 128], h2 = new float[batch * 128], o = new float[batch * 10];
            byte[] arg1 = new byte[batch * p1.OutputSize], arg2 = new byte[batch * p2.OutputSize];
            int ws = Math.Max(Math.Max(Conv2D.WorkspaceSize(c1), Conv2D.WorkspaceSize(c2)), Math.Max(Conv2D.WorkspaceSize(c3), Conv2D.WorkspaceSize(c4)));
            float[] columns = new float[ws];
            Print($"SmallVgg inference per layer, batch {batch}", reps, repSeconds, warmup, new List<(string, Action)>
            {
                ("fwd conv1 3->16 3x3 +relu", () => Conv2D.ForwardRelu(in c1, batch, x, w1, b16, big1, columns)),
                ("fwd conv2 16->16 +relu+pool", () => Conv2D.ForwardReluMaxPool(in c2, in p1, batch, big1, w2, b16, mid1, columns)),
                ("fwd conv3 16->32 3x3 +relu", () => Conv2D.ForwardRelu(in c3, batch, mid1, w3, b32, mid2, columns)),
                ("fwd conv4 32->32 +relu+pool", () => Conv2D.ForwardReluMaxPool(in c4, in p2, batch, mid2, w4, b32, small, columns)),
                ("fwd affine 2048->128", () => Dense.ForwardSkippingZeros(batch, 2048, 128, small, w5, b5, h1)),
                ("fwd relu", () => Activations.ReluForward(h1, h2)),
                ("fwd affine 128->10", () => Dense.ForwardSkippingZeros(batch, 128, 10, h2, w6, b6, o)),
            });
        }

        /// <summary>The convolutions' backward kernels of SmallVgg's training step (random data: their cost does not depend
        /// on it): the filter gradient of every layer and the input gradient of all but the first.</summary>
        private static void ProfileSmallVggBackward(int batch, int reps, double repSeconds, double warmup)
        {
            var layers = new (string Name, ConvGeometry G)[]
            {
                ("conv4 32->32 16x16", new ConvGeometry(32, 16, 16, 32, 3, 1, 1)),
                ("conv3 16->32 16x16", new ConvGeometry(16, 16, 16, 32, 3, 1, 1)),
                ("conv2 16->16 32x32", new ConvGeometry(16, 32, 32, 16, 3, 1, 1)),
                ("conv1 3->16 32x32", new ConvGeometry(3, 32, 32, 16, 3, 1, 1)),
            };
            var random = new Random(5);
            float[] columns = new float[layers.Max(l => Conv2D.WorkspaceSize(l.G))];
            var steps = new List<(string, Action)>();
            foreach ((string name, ConvGeometry g) in layers)
            {
                float[] x = Fill(random, batch * g.InputSize), w = Fill(random, g.WeightSize), dy = Fill(random, batch * g.OutputSize);
                float[] dw = new float[g.WeightSize], db = new float[g.Filters], dx = new float[batch * g.InputSize];
                steps.Add(($"bwd {name} filter", () => Conv2D.BackwardFilter(in g, batch, x, dy, dw, db, columns)));
                if (g.Channels != 3) steps.Add(($"bwd {name} input", () => Conv2D.BackwardData(in g, batch, dy, w, dx, columns)));
            }

            Print($"SmallVgg training step's convolution backward kernels, batch {batch}", reps, repSeconds, warmup, steps);
        }

        private static void Print(string title, int reps, double repSeconds, double warmup, List<(string Name, Action Call)> steps)
        {
            int degree = KernelDispatch.MaxDegreeOfParallelism;
            if (degree > 1)
            {
                PrintSpeedUps(title, degree, reps, repSeconds, warmup, steps);
                return;
            }

            Timing.WarmUp(steps.Select(s => s.Call).ToList(), Timing.JitWarmupSeconds);
            Console.WriteLine();
            Console.WriteLine($"{title}, 1 thread, thread CPU time per call: median (min-max)");
            var results = steps.Select(s => (s.Name, M: Timing.Measure(s.Call, reps, repSeconds, warmup))).ToList();
            double total = results.Sum(r => r.M.CpuMedian);
            foreach ((string name, Measurement m) in results)
            {
                Console.WriteLine($"  {name,-26} {Us(m.CpuMedian),10} ({Us(m.CpuMin)}-{Us(m.CpuMax)})  {100 * m.CpuMedian / total,5:F1}%");
            }

            Console.WriteLine($"  {"sum",-26} {Us(total),10}");
        }

        /// <summary>Each call on one thread and on <paramref name="degree"/>, by the wall clock, the two taking turns (so a slow
        /// spell of the host falls on both): which kernels' parallel splits fall short of the cores' ceiling.</summary>
        private static void PrintSpeedUps(string title, int degree, int reps, double repSeconds, double warmup, List<(string Name, Action Call)> steps)
        {
            Action At(int threads, Action call) => () =>
            {
                KernelDispatch.MaxDegreeOfParallelism = threads;
                call();
            };

            Timing.WarmUp(steps.SelectMany(s => new[] { At(1, s.Call), At(degree, s.Call) }).ToList(), Timing.JitWarmupSeconds);
            Console.WriteLine();
            Console.WriteLine($"{title}, 1 and {degree} threads taking turns, wall clock per call: median (min-max); speed-up of the medians, and by round");
            double total1 = 0, total2 = 0;
            foreach ((string name, Action call) in steps)
            {
                Measurement[] m = Timing.MeasureInTurns([At(1, call), At(degree, call)], reps, repSeconds, warmup);
                total1 += m[0].WallMedian;
                total2 += m[1].WallMedian;
                Console.WriteLine($"  {name,-26} {Us(m[0].WallMedian),10} ({Us(m[0].WallMin)}-{Us(m[0].WallMax)})  {Us(m[1].WallMedian),10} ({Us(m[1].WallMin)}-{Us(m[1].WallMax)})" +
                    $"  {m[0].WallMedian / m[1].WallMedian,5:F2}x {m[1].MedianRatio(m[0], cpu: false),5:F2}x");
            }

            KernelDispatch.MaxDegreeOfParallelism = degree;
            Console.WriteLine($"  {"sum",-26} {Us(total1),10} {"",17} {Us(total2),10} {"",17}  {total1 / total2,5:F2}x");
        }

        private static void Profile(int batch, int reps, double repSeconds, double warmup, BookData? data)
        {
            var net = new SimpleConvNet(1);
            var random = new Random(3);
            float[] x = Fill(random, batch * 784);
            if (data is not null)
            {
                data.LoadWeights(net);
                x = data.Test.Images.AsSpan(0, batch * 784).ToArray();
            }

            float[] a1 = new float[batch * 17280], g1 = new float[batch * 17280];
            float[] a3 = new float[batch * 4320], g3 = new float[batch * 4320];
            byte[] arg = new byte[batch * 4320];
            float[] a4 = new float[batch * 100], a5 = new float[batch * 100], g4 = new float[batch * 100], g5 = new float[batch * 100];
            float[] a6 = new float[batch * 10], g6 = new float[batch * 10], p = new float[batch * 10];
            int[] labels = new int[batch];
            float[] columns = new float[Conv2D.WorkspaceSize(Conv1)];
            float[] w1 = net.W1.Values, b1 = net.b1.Values, w2 = net.W2.Values, b2 = net.b2.Values, w3 = net.W3.Values, b3 = net.b3.Values;
            var compactW2 = new CompactMatrix(4320, 100);
            compactW2.Compress(w2);

            // The generated training step's calls, in order, then the inference pass's own and, for comparison, the first
            // layers run one by one (marked).
            var steps = new List<(string Name, Action Call)>
            {
                ("fwd conv1+relu+maxpool", () => Conv2D.ForwardReluMaxPool(in Conv1, in Pool3, batch, x, w1, b1, a3, arg, columns)),
                ("fwd affine 4320->100", () => Dense.ForwardSkippingZeros(batch, 4320, 100, a3, w2, b2, a4)),
                ("fwd relu", () => Activations.ReluForward(a4, a5)),
                ("fwd affine 100->10", () => Dense.ForwardSkippingZeros(batch, 100, 10, a5, w3, b3, a6)),
                ("loss softmax-xent", () => SoftmaxCrossEntropy.Forward(batch, 10, a6, labels, p)),
                ("bwd softmax-xent", () => SoftmaxCrossEntropy.Backward(batch, 10, p, labels, g6)),
                ("bwd affine 100->10", () => Dense.Backward(batch, 100, 10, a5, w3, g6, net.W3.Gradients, net.b3.Gradients, g5)),
                ("bwd relu", () => Activations.ReluBackward(a5, g5, g4)),
                ("bwd affine 4320->100", () => Dense.Backward(batch, 4320, 100, a3, w2, g4, net.W2.Gradients, net.b2.Gradients, g3)),
                ("bwd maxpool+relu+conv1", () => Conv2D.BackwardFilterThroughMaxPool(in Conv1, in Pool3, batch, x, g3, arg, net.W1.Gradients, net.b1.Gradients, columns)),
                ("(inference: conv1+relu+maxpool)", () => Conv2D.ForwardReluMaxPool(in Conv1, in Pool3, batch, x, w1, b1, a3, columns)),
                ("(unfused: conv1)", () => Conv2D.Forward(in Conv1, batch, x, w1, b1, a1, columns)),
                ("(unfused: relu+maxpool)", () => Pooling.MaxReluForward(in Pool3, batch, a1, a3, arg)),
                ("(unfused: bwd maxpool+relu)", () => Pooling.MaxBackward(in Pool3, batch, g3, arg, g1)),
                ("(unfused: bwd conv1 filter)", () => Conv2D.BackwardFilter(in Conv1, batch, x, g1, net.W1.Gradients, net.b1.Gradients, columns)),
                ("(inference: affine bf16)", () => CompactDense.ForwardSkippingZeros(batch, a3, compactW2, b2, a4)),
            };

            Print($"SimpleConvNet per layer, batch {batch}", reps, repSeconds, warmup, steps);
        }

        /// <summary>SimpleConvNet's training step at batch 100 as the generated code runs it (convolution, ReLU and max pool in
        /// one pass with the pool's winner codes, and back in one pass to the filter gradient) against the same step with those layers one by
        /// one, the two taking turns: a kernel timed alone keeps its data in cache, which hides what a layer's output written
        /// through memory costs the next ones.</summary>
        private static void CompareFoldedTrainingStep(int rounds)
        {
            const int batch = 100;
            var net = new SimpleConvNet(1);
            var random = new Random(3);
            float[] x = Fill(random, batch * 784), g4 = Fill(random, batch * 100);
            float[] a1 = new float[batch * 17280], g1 = new float[batch * 17280], a3 = new float[batch * 4320], g3 = new float[batch * 4320];
            float[] a4 = new float[batch * 100], columns = new float[Conv2D.WorkspaceSize(Conv1)];
            byte[] arg = new byte[batch * 4320];
            float[] w1 = net.W1.Values, b1 = net.b1.Values, w2 = net.W2.Values, b2 = net.b2.Values;

            void Step(bool folded)
            {
                if (folded)
                {
                    Conv2D.ForwardReluMaxPool(in Conv1, in Pool3, batch, x, w1, b1, a3, arg, columns);
                }
                else
                {
                    Conv2D.Forward(in Conv1, batch, x, w1, b1, a1, columns);
                    Pooling.MaxReluForward(in Pool3, batch, a1, a3, arg);
                }

                Dense.ForwardSkippingZeros(batch, 4320, 100, a3, w2, b2, a4);
                Dense.Backward(batch, 4320, 100, a3, w2, g4, net.W2.Gradients, net.b2.Gradients, g3);
                if (folded)
                {
                    Conv2D.BackwardFilterThroughMaxPool(in Conv1, in Pool3, batch, x, g3, arg, net.W1.Gradients, net.b1.Gradients, columns);
                }
                else
                {
                    Pooling.MaxBackward(in Pool3, batch, g3, arg, g1);
                    Conv2D.BackwardFilter(in Conv1, batch, x, g1, net.W1.Gradients, net.b1.Gradients, columns);
                }
            }

            Step(true);
            Step(false);
            var times = new[] { new List<double>(), new List<double>() };
            for (int round = 0; round < rounds; round++)
            {
                bool folded = round % 2 == 0;
                double c0 = Timing.ThreadCpuSeconds();
                Step(folded);
                times[folded ? 0 : 1].Add(Timing.ThreadCpuSeconds() - c0);
            }

            foreach (List<double> t in times) t.Sort();
            Console.WriteLine();
            Console.WriteLine($"SimpleConvNet training step's kernels, batch 100, {KernelDispatch.MaxDegreeOfParallelism} thread(s), the two taking turns, thread CPU time: median (min)");
            Console.WriteLine($"  conv1+relu+maxpool folded   {Us(times[0][rounds / 4]),10} ({Us(times[0][0])})   (forward and backward)");
            Console.WriteLine($"  the same layers one by one  {Us(times[1][rounds / 4]),10} ({Us(times[1][0])})");
        }

        private static string Us(double s) => (s * 1e6).ToString("F1", CultureInfo.InvariantCulture) + "us";

        private static float[] Fill(Random random, int count)
        {
            var v = new float[count];
            for (int i = 0; i < count; i++) v[i] = (float)random.NextDouble();
            return v;
        }
    }
}
