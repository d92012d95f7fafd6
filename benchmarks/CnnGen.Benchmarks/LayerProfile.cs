using System;
using System.Collections.Generic;
using System.Globalization;
using CnnGen.Kernels;

namespace CnnGen.Benchmarks
{
    /// <summary><c>compare --layers</c>: times each kernel call of SimpleConvNet's forward and backward pass (the same calls,
    /// shapes and buffers as the generated code) at batch 1 and 100, to show where a step's time goes.</summary>
    public static class LayerProfile
    {
        private static readonly ConvGeometry Conv1 = new(1, 28, 28, 30, 5, 1, 0);
        private static readonly ConvGeometry Pool3 = new(30, 24, 24, 30, 2, 2, 0);

        public static void Run(int reps, double repSeconds, double warmup)
        {
            foreach (int batch in new[] { 1, 100 })
            {
                Profile(batch, reps, repSeconds, warmup);
            }
        }

        private static void Profile(int batch, int reps, double repSeconds, double warmup)
        {
            var net = new SimpleConvNet(1);
            var random = new Random(3);
            float[] x = Fill(random, batch * 784);
            float[] a1 = new float[batch * 17280], a2 = new float[batch * 17280], g1 = new float[batch * 17280], g2 = new float[batch * 17280];
            float[] a3 = new float[batch * 4320], g3 = new float[batch * 4320];
            int[] arg = new int[batch * 4320];
            float[] a4 = new float[batch * 100], a5 = new float[batch * 100], g4 = new float[batch * 100], g5 = new float[batch * 100];
            float[] a6 = new float[batch * 10], g6 = new float[batch * 10], p = new float[batch * 10];
            int[] labels = new int[batch];
            float[] columns = new float[Conv2D.WorkspaceSize(Conv1)];
            float[] w1 = net.W1.Values, b1 = net.b1.Values, w2 = net.W2.Values, b2 = net.b2.Values, w3 = net.W3.Values, b3 = net.b3.Values;

            var steps = new List<(string Name, Action Call)>
            {
                ("fwd conv1", () => Conv2D.Forward(in Conv1, batch, x, w1, b1, a1, columns)),
                ("fwd relu", () => Activations.ReluForward(a1, a2)),
                ("fwd maxpool 2x2", () => Pooling.MaxForward(in Pool3, batch, a2, a3, arg)),
                ("fwd affine 4320->100", () => Dense.Forward(batch, 4320, 100, a3, w2, b2, a4)),
                ("fwd relu", () => Activations.ReluForward(a4, a5)),
                ("fwd affine 100->10", () => Dense.Forward(batch, 100, 10, a5, w3, b3, a6)),
                ("loss softmax-xent", () => SoftmaxCrossEntropy.Forward(batch, 10, a6, labels, p)),
                ("bwd softmax-xent", () => SoftmaxCrossEntropy.Backward(batch, 10, p, labels, g6)),
                ("bwd affine 100->10", () => Dense.Backward(batch, 100, 10, a5, w3, g6, net.W3.Gradients, net.b3.Gradients, g5)),
                ("bwd relu", () => Activations.ReluBackward(a5, g5, g4)),
                ("bwd affine 4320->100", () => Dense.Backward(batch, 4320, 100, a3, w2, g4, net.W2.Gradients, net.b2.Gradients, g3)),
                ("bwd maxpool 2x2", () => Pooling.MaxBackward(in Pool3, batch, g3, arg, g2)),
                ("bwd relu", () => Activations.ReluBackward(a2, g2, g1)),
                ("bwd conv1 filter", () => Conv2D.BackwardFilter(in Conv1, batch, x, g1, net.W1.Gradients, net.b1.Gradients, columns)),
            };

            foreach (var s in steps) s.Call();
            Console.WriteLine();
            bool cpu = KernelDispatch.MaxDegreeOfParallelism == 1;
            Console.WriteLine($"SimpleConvNet per layer, batch {batch}, {KernelDispatch.MaxDegreeOfParallelism} thread(s), " +
                $"{(cpu ? "process CPU time" : "wall clock")} per call: median (min-max)");
            double total = 0;
            var results = new List<(string, Measurement)>();
            foreach (var s in steps)
            {
                Measurement m = Timing.Measure(s.Call, reps, repSeconds, warmup);
                results.Add((s.Name, m));
                total += m.Median(cpu);
            }

            foreach ((string name, Measurement m) in results)
            {
                Console.WriteLine($"  {name,-26} {Us(m.Median(cpu)),10} ({Us(m.Min(cpu))}-{Us(m.Max(cpu))})  {100 * m.Median(cpu) / total,5:F1}%" +
                    (cpu ? "" : $"   CPU {Us(m.CpuMedian)}"));
            }

            Console.WriteLine($"  {"sum",-26} {Us(total),10}");
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
