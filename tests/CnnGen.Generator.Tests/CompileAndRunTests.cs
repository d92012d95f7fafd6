using System.Reflection;
using CnnGen.Generator.Tests.Infrastructure;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The generated code compiled in memory, loaded, and run against a plain reference implementation of the
/// same network written here with obvious loops and double accumulation.
/// </summary>
public class CompileAndRunTests
{
    private const string Source = """
        using CnnGen;
        [Input(2, 9, 9)]
        [Conv(3, 3, Stride = 2, Pad = 1)] [Relu] [MaxPool(2, Stride = 1)]
        [Affine(7)] [Tanh] [Affine(4)]
        [SoftmaxWithLoss]
        public partial class Tiny { }
        """;

    [Fact]
    public void Generated_forward_matches_a_plain_reference()
    {
        Assembly assembly = RunClean(Source).Load();
        var net = (INetwork)Activator.CreateInstance(assembly.GetType("Tiny")!, 7)!;

        // Conv 2x9x9 -> 3x5x5 (s2 p1), ReLU, MaxPool 2 s1 -> 3x4x4, Affine 48 -> 7, Tanh, Affine 7 -> 4.
        Assert.Equal(new TensorShape(2, 9, 9), net.InputShape);
        Assert.Equal(4, net.OutputSize);
        Assert.Equal(new[] { "W1", "b1", "W2", "b2", "W3", "b3" }, net.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { 3, 2, 3, 3 }, net.Parameters[0].Shape);
        Assert.Equal(new[] { 48, 7 }, net.Parameters[2].Shape);

        var random = new Random(3);
        foreach (Parameter p in net.Parameters)
        {
            for (int i = 0; i < p.Length; i++) p.Values[i] = (float)(random.NextDouble() - 0.5);
        }

        const int batch = 3;
        float[] x = Enumerable.Range(0, batch * 162).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] actual = net.Forward(x).ToArray();
        double[] expected = Reference(net, x, batch);
        Assert.Equal(batch * 4, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"logit {i}: {actual[i]} vs {expected[i]}");
        }

        // The loss is the mean of -log(softmax + 1e-7) over the batch.
        int[] labels = { 0, 3, 1 };
        float loss = net.Loss(x, labels);
        double referenceLoss = 0;
        for (int n = 0; n < batch; n++)
        {
            double max = expected.Skip(n * 4).Take(4).Max();
            double sum = expected.Skip(n * 4).Take(4).Sum(z => Math.Exp(z - max));
            referenceLoss -= Math.Log(Math.Exp(expected[n * 4 + labels[n]] - max) / sum + 1e-7);
        }

        Assert.Equal(referenceLoss / batch, loss, 5);
    }

    [Fact]
    public void A_network_whose_only_convolution_is_1x1_compiles_and_runs_in_chunks()
    {
        // A 1x1 stride-1 convolution needs no im2col workspace, yet takes the workspace argument like every convolution.
        GeneratorResult result = RunClean("""
            using CnnGen;
            [Input(3, 6, 6)]
            [Conv(4, 1)] [Relu]
            [Affine(5)]
            [SoftmaxWithLoss]
            public partial class Pointwise { }
            """);
        var net = (INetwork)Activator.CreateInstance(result.Load().GetType("Pointwise")!, 2)!;
        net.IsTraining = false;
        var random = new Random(5);
        float[] x = Enumerable.Range(0, 64 * 108).Select(_ => (float)random.NextDouble()).ToArray();
        float[] whole = net.Forward(x).ToArray();
        var byQuarters = new List<float>();
        for (int q = 0; q < 4; q++) byQuarters.AddRange(net.Forward(x.AsSpan(q * 16 * 108, 16 * 108)).ToArray());
        Assert.Equal(byQuarters.ToArray(), whole);
    }

    /// <summary>A network "Wide": a convolution to <paramref name="inputs"/> / 1024 planes of 64 x 64, ReLU and a 2x2 max pool
    /// (<paramref name="inputs"/> values), an affine layer of <paramref name="outputs"/> with ReLU (and dropout), an affine
    /// layer of 3; generated and compiled without diagnostics.</summary>
    private static GeneratorResult GenerateWide(int inputs, int outputs, bool dropout)
    {
        string source = $$"""
            using CnnGen;
            [Input(1, 64, 64)]
            [Conv({{inputs / 1024}}, 3, Pad = 1)] [Relu] [MaxPool(2)]
            [Affine({{outputs}})] [Relu] {{(dropout ? "[Dropout(0.5)]" : "")}}
            [Affine(3)]
            [SoftmaxWithLoss]
            public partial class Wide { }
            """;
        return RunClean(source);
    }

    /// <summary>Runs the generator on <paramref name="source"/> and checks that it reports nothing and that the output compiles.</summary>
    private static GeneratorResult RunClean(string source)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationProblems);
        return result;
    }

    [Theory]
    // inputs x outputs of the affine layer after the pool, and 3 x outputs of the last (4 bytes a weight): chunks of 8
    // samples up to 512 KiB of affine weights in the chunks, of 16 above
    [InlineData(4096, 31, true)]    // 508,276 bytes
    [InlineData(4096, 33, false)]   // 540,804 bytes
    [InlineData(4096, 63, false)]   // 1,032,948 bytes, still in the chunks
    public void Chunks_holding_small_affine_weights_may_be_as_small_as_8_samples(int inputs, int outputs, bool small)
    {
        string code = GenerateWide(inputs, outputs, dropout: false).Source("Wide.g.cs");
        Assert.DoesNotContain("ForwardWholeBatch(batch);", code);
        Assert.Equal(small, code.Contains("SampleChunks.Run(_forwardChunks, batch, input, _input, InputSize, global::CnnGen.Kernels.SampleChunks.MinSamplesSmallWeights);"));
        Assert.Equal(!small, code.Contains("SampleChunks.Run(_forwardChunks, batch, input, _input, InputSize);"));
        Assert.Equal(small, code.Contains("of weights, which stay in L2 from chunk to chunk"));
    }

    [Theory]
    // inputs x outputs of the affine layer after the pool (4 bytes a weight): the whole-batch tail starts at 1 MiB
    [InlineData(4096, 64, false, true)]   // 1,048,576 bytes: from the affine layer on, the whole batch
    [InlineData(4096, 63, false, false)]  // 1,032,192 bytes: chunks to the end
    [InlineData(4096, 64, true, false)]   // a dropout after it ties a training pass's samples: chunks to the end
    public void A_large_affine_layer_and_the_layers_after_it_take_the_whole_batch(int inputs, int outputs, bool dropout, bool wholeTail)
    {
        GeneratorResult result = GenerateWide(inputs, outputs, dropout);
        string code = result.Source("Wide.g.cs");
        Assert.Equal(wholeTail, code.Contains("ForwardWholeBatch(batch);"));
        if (!wholeTail) return;
        Assert.Contains("Layer 4's weights (1.0 MB) would stream through the core once per chunk", code);
        string tail = code.Substring(code.IndexOf("private void ForwardWholeBatch(int batch)"));
        Assert.Contains("// Layer 4: Affine", tail);
        Assert.DoesNotContain("first *", tail.Substring(0, tail.IndexOf("// Layer 7:")));

        // Chunks then the whole batch: each sample's logits are those it gets alone, to rounding (the affine layer's product
        // sums over its rows in blocks that depend on their number).
        var net = (INetwork)Activator.CreateInstance(result.Load().GetType("Wide")!, 2)!;
        net.IsTraining = false;
        var random = new Random(5);
        const int batch = 40;
        float[] x = Enumerable.Range(0, batch * 4096).Select(_ => (float)random.NextDouble()).ToArray();
        float[] whole = net.Forward(x).ToArray();
        for (int n = 0; n < batch; n++)
        {
            float[] alone = net.Forward(x.AsSpan(n * 4096, 4096)).ToArray();
            for (int j = 0; j < 3; j++) Assert.Equal(alone[j], whole[n * 3 + j], 3);
        }
    }

    [Theory]
    [InlineData("[Conv(6, 5, Pad = 2)] [Tanh] [AvgPool(2)]", "Tanh")]
    [InlineData("[Conv(4, 4)] [Sigmoid] [AvgPool(3, Stride = 2, Pad = 1)]", "Sigmoid")]   // 13 x 13: overlapping windows
    [InlineData("[Conv(4, 3, Pad = 1)] [Relu] [AvgPool(2)]", "Relu")]     // the convolution and ReLU also run as one kernel forward
    [InlineData("[Conv(4, 3, Pad = 1)] [Tanh] [MaxPool(2)]", null)]       // a max pool after a tanh: each layer's own step
    [InlineData("[Conv(4, 3, Pad = 1)] [Tanh] [AvgPool(2)] [Conv(4, 3, Pad = 1)] [Tanh] [AvgPool(2)]", "Tanh")]   // the first only
    public void A_first_convolution_with_an_activation_and_an_average_pool_goes_backward_in_one_pass(string layers, string? activation)
    {
        string source = $$"""
            using CnnGen;
            [Input(1, 16, 16)]
            {{layers}}
            [Affine(3)]
            [SoftmaxWithLoss]
            public partial class Pooled { }
            """;
        GeneratorResult result = RunClean(source);
        string code = result.Source("Pooled.g.cs");
        int calls = code.Split("Conv2D.BackwardFilterThroughAvgPool(").Length - 1;
        Assert.Equal(activation is null ? 0 : 1, calls);
        if (activation is null) return;
        Assert.Contains($"global::CnnGen.Kernels.Activation.{activation}, batch", code);
        // Neither the activation's nor the convolution's output gradient is stored for the batch.
        Assert.DoesNotContain("private float[] _g1 ", code);
        Assert.DoesNotContain("private float[] _g2 ", code);
        Assert.Contains("// then through the " + activation.ToLowerInvariant() + " on its output) and used at once", code);

        // A training step runs and gives the first layer a gradient.
        var net = (INetwork)Activator.CreateInstance(result.Load().GetType("Pooled")!, 3)!;
        var random = new Random(4);
        const int batch = 5;
        float[] x = Enumerable.Range(0, batch * 256).Select(_ => (float)random.NextDouble()).ToArray();
        net.Loss(x, new[] { 0, 1, 2, 0, 1 });
        net.Backward();
        Assert.Contains(net.Parameters[0].Gradients.ToArray(), v => v != 0);
    }

    [Fact]
    public void No_allocation_after_the_first_call_at_a_batch_size()
    {
        Assembly assembly = GeneratorHarness.Run(Source).Load();
        var net = (INetwork)Activator.CreateInstance(assembly.GetType("Tiny")!, 1)!;
        var optimizer = new CnnGen.Training.Sgd(0.01f);
        float[] x = new float[5 * 162];
        int[] labels = { 0, 1, 2, 3, 0 };
        for (int i = 0; i < 3; i++) { net.Loss(x, labels); net.Backward(); optimizer.Step(net.Parameters); net.Forward(x.AsSpan(0, 162)); }
        Assert.Equal(0, AllocationProbe.Least(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                net.Loss(x, labels);
                net.Backward();
                optimizer.Step(net.Parameters);
                net.Forward(x.AsSpan(0, 2 * 162));
            }
        }));
    }

    /// <summary>The network written out with plain loops, double precision.</summary>
    private static double[] Reference(INetwork net, float[] x, int batch)
    {
        float[] w1 = net.Parameters[0].Values, b1 = net.Parameters[1].Values, w2 = net.Parameters[2].Values, b2 = net.Parameters[3].Values, w3 = net.Parameters[4].Values, b3 = net.Parameters[5].Values;
        var logits = new double[batch * 4];
        for (int n = 0; n < batch; n++)
        {
            var conv = new double[3, 5, 5];
            for (int f = 0; f < 3; f++)
            for (int oy = 0; oy < 5; oy++)
            for (int ox = 0; ox < 5; ox++)
            {
                double s = b1[f];
                for (int c = 0; c < 2; c++)
                for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                {
                    int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                    if (iy < 0 || iy >= 9 || ix < 0 || ix >= 9) continue;
                    s += w1[((f * 2 + c) * 3 + ky) * 3 + kx] * x[n * 162 + (c * 9 + iy) * 9 + ix];
                }

                conv[f, oy, ox] = Math.Max(0, s);
            }

            var flat = new double[48];
            for (int f = 0; f < 3; f++)
            for (int oy = 0; oy < 4; oy++)
            for (int ox = 0; ox < 4; ox++)
            {
                flat[(f * 4 + oy) * 4 + ox] = Math.Max(Math.Max(conv[f, oy, ox], conv[f, oy, ox + 1]), Math.Max(conv[f, oy + 1, ox], conv[f, oy + 1, ox + 1]));
            }

            var hidden = new double[7];
            for (int j = 0; j < 7; j++)
            {
                double s = b2[j];
                for (int i = 0; i < 48; i++) s += flat[i] * w2[i * 7 + j];
                hidden[j] = Math.Tanh(s);
            }

            for (int k = 0; k < 4; k++)
            {
                double s = b3[k];
                for (int j = 0; j < 7; j++) s += hidden[j] * w3[j * 4 + k];
                logits[n * 4 + k] = s;
            }
        }

        return logits;
    }
}
