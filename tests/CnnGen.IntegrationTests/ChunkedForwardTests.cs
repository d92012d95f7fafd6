using CnnGen.IntegrationTests.Networks;
using CnnGen.Kernels;

namespace CnnGen.IntegrationTests
{
    /// <summary>
    /// Generated forward passes cut into chunks of samples (SampleChunks, from a batch of 32): each chunk gives what it gives as
    /// a batch of its own, results do not depend on the thread count, and networks whose training pass ties samples together
    /// (batch normalisation) keep that pass whole.
    /// </summary>
    [Collection(nameof(ChunkedForwardTests))]
    public sealed class ChunkedForwardTests
    {
        private static float[] Inputs(int batch, int size, int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, batch * size).Select(_ => (float)random.NextDouble()).ToArray();
        }

        private static void AtDegrees(Action<int> test)
        {
            try
            {
                foreach (int degree in new[] { 1, 2 })
                {
                    KernelDispatch.MaxDegreeOfParallelism = degree;
                    ParallelBlocks.ResetBackoff(); // so that the helpers take part at degree 2
                    test(degree);
                }
            }
            finally
            {
                KernelDispatch.Reset();
            }
        }

        private static void SameBits(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                {
                    Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}.");
                }
            }
        }

        /// <summary>The smallest chunk of a network's forward pass: SimpleConvNet's chunks hold only its convolution, ReLU and
        /// max pool (the affine layers take the whole batch after them), ChunkPoolNet's small affine layers (a few KB of
        /// weights); both may be as small as <see cref="SampleChunks.MinSamplesSmallWeights"/>.</summary>
        private static int MinChunk(INetwork net) => net is SimpleConvNet or ChunkPoolNet ? SampleChunks.MinSamplesSmallWeights : SampleChunks.MinSamples;

        /// <summary>The logits of each chunk of <paramref name="batch"/>, each run as a batch of its own (too small to be cut),
        /// and layer <paramref name="layer"/>'s output for each.</summary>
        private static (float[] Logits, float[] Layer) ChunkByChunk(INetwork net, float[] x, int batch, int layer)
        {
            int chunks = SampleChunks.Count(batch, MinChunk(net)), size = net.InputSize;
            var logits = new List<float>();
            var outputs = new List<float>();
            for (int c = 0; c < chunks; c++)
            {
                int first = SampleChunks.First(batch, chunks, c), count = SampleChunks.First(batch, chunks, c + 1) - first;
                Assert.Equal(1, SampleChunks.Count(count, MinChunk(net)));
                logits.AddRange(net.Forward(x.AsSpan(first * size, count * size)).ToArray());
                outputs.AddRange(net.GetActivation(layer).ToArray());
            }

            return (logits.ToArray(), outputs.ToArray());
        }

        /// <summary>ChunkPoolNet goes through in chunks to the end: each chunk's logits are the bits it gives as a batch of its
        /// own. SimpleConvNet's layers 1-3 go in chunks and its 1.7 MB affine layer and the layers after it take the whole
        /// batch (ForwardWholeBatch): the pooled maps are each chunk's own bits, the logits the same bits at every degree and
        /// in every round, and within rounding of the chunks' (a product over more rows may sum in another order).</summary>
        [Theory]
        [InlineData(nameof(SimpleConvNet), 32)]
        [InlineData(nameof(SimpleConvNet), 100)]
        [InlineData(nameof(SimpleConvNet), 120)]
        [InlineData(nameof(ChunkPoolNet), 64)]
        [InlineData(nameof(ChunkPoolNet), 100)]
        public void An_inference_pass_in_chunks_gives_each_chunk_its_own_batch_result_at_every_degree(string network, int batch)
        {
            bool wholeTail = network == nameof(SimpleConvNet);
            INetwork net = wholeTail ? new SimpleConvNet(3) : new ChunkPoolNet(3);
            net.IsTraining = false;
            int chunkedLayer = wholeTail ? 3 : 6; // the last layer that runs in chunks: SimpleConvNet's max pool, ChunkPoolNet's second
            float[] x = Inputs(batch, net.InputSize, batch);
            (float[] expectedLogits, float[] expectedChunked) = ChunkByChunk(net, x, batch, chunkedLayer);
            float[]? first = null;
            AtDegrees(degree =>
            {
                for (int round = 0; round < 3; round++)
                {
                    float[] logits = net.Forward(x).ToArray();
                    string what = $"{network} batch {batch}, degree {degree}, round {round}";
                    SameBits(expectedChunked, net.GetActivation(chunkedLayer).ToArray(), what + ", chunked layers");
                    if (!wholeTail)
                    {
                        SameBits(expectedLogits, logits, what);
                        continue;
                    }

                    first ??= logits;
                    SameBits(first, logits, what + ", against degree 1");
                    for (int i = 0; i < logits.Length; i++)
                    {
                        Assert.True(Math.Abs(logits[i] - expectedLogits[i]) <= 1e-5f * Math.Max(1, Math.Abs(expectedLogits[i])),
                            $"{what}: logit {i} is {logits[i]}, the chunk's own {expectedLogits[i]}");
                    }
                }

                // The activations the pass leaves out (the convolution's and ReLU's outputs) are filled in for the whole batch.
                float[] whole = net.GetActivation(1).ToArray();
                Assert.Equal(batch * net.Layers[1].OutputShape.Size, whole.Length);
                Assert.Contains(whole.Skip(whole.Length - 100), v => v != 0);
            });
        }

        [Fact]
        public void A_training_step_in_chunks_gives_the_same_loss_at_every_degree_and_gradients_to_rounding()
        {
            const int batch = 64;
            var net = new SimpleConvNet(5);
            float[] x = Inputs(batch, SimpleConvNet.InputSize, 9);
            int[] labels = Enumerable.Range(0, batch).Select(i => i * 7 % 10).ToArray();
            float loss1 = 0;
            float[][] gradients1 = Array.Empty<float[]>();
            AtDegrees(degree =>
            {
                float loss = net.Loss(x, labels);
                net.Backward();
                float[][] gradients = net.Parameters.Select(p => p.Gradients.ToArray()).ToArray();
                if (degree == 1)
                {
                    loss1 = loss;
                    gradients1 = gradients;
                    return;
                }

                // The forward pass, chunks and all, is the same at every degree; a filter gradient summed over ranges of images
                // is cut by the degree (Conv2D), so the gradients agree to rounding.
                Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss));
                for (int p = 0; p < gradients.Length; p++)
                {
                    double scale = gradients1[p].Max(Math.Abs);
                    for (int i = 0; i < gradients[p].Length; i++)
                    {
                        Assert.True(Math.Abs(gradients[p][i] - gradients1[p][i]) <= 1e-5 * scale, $"{net.Parameters[p].Name}[{i}]: {gradients[p][i]} at degree 2, {gradients1[p][i]} at degree 1");
                    }
                }
            });
        }

        /// <summary>A training step over a batch cut into chunks against its chunks stepped as batches of their own (too small
        /// to be cut): the loss and every gradient are the chunks' sample-weighted means. This catches a chunk whose
        /// samples' gradients go astray in the backward pass, which runs over the whole batch (the pools' winner codes are
        /// written chunk by chunk).</summary>
        [Theory]
        [InlineData(nameof(SimpleConvNet), 64)]
        [InlineData(nameof(SimpleConvNet), 100)]
        [InlineData(nameof(ChunkPoolNet), 64)]
        [InlineData(nameof(ChunkPoolNet), 100)]
        public void A_chunked_training_step_gives_the_mean_of_its_chunks_steps(string network, int batch)
        {
            INetwork net = network == nameof(SimpleConvNet) ? new SimpleConvNet(8) : new ChunkPoolNet(8);
            float[] x = Inputs(batch, net.InputSize, 21);
            int[] labels = Enumerable.Range(0, batch).Select(i => (i * 3 + 1) % net.OutputSize).ToArray();
            int chunks = SampleChunks.Count(batch, MinChunk(net));
            Assert.True(chunks > 1);
            AtDegrees(degree =>
            {
                var expected = net.Parameters.Select(p => new double[p.Length]).ToArray();
                double expectedLoss = 0;
                for (int c = 0; c < chunks; c++)
                {
                    int first = SampleChunks.First(batch, chunks, c), count = SampleChunks.First(batch, chunks, c + 1) - first;
                    expectedLoss += (double)net.Loss(x.AsSpan(first * net.InputSize, count * net.InputSize), labels.AsSpan(first, count)) * count / batch;
                    net.Backward();
                    for (int p = 0; p < expected.Length; p++)
                    {
                        float[] g = net.Parameters[p].Gradients;
                        for (int i = 0; i < g.Length; i++) expected[p][i] += (double)g[i] * count / batch;
                    }
                }

                float loss = net.Loss(x, labels);
                net.Backward();
                Assert.Equal(expectedLoss, loss, 5);
                for (int p = 0; p < expected.Length; p++)
                {
                    float[] actual = net.Parameters[p].Gradients;
                    double scale = expected[p].Max(Math.Abs);
                    for (int i = 0; i < actual.Length; i++)
                    {
                        Assert.True(Math.Abs(actual[i] - expected[p][i]) <= 1e-4 * scale,
                            $"{network} batch {batch} degree {degree}: {net.Parameters[p].Name}[{i}] is {actual[i]}, the chunks' mean {expected[p][i]}");
                    }
                }
            });
        }

        [Fact]
        public void Training_and_inference_on_two_threads_allocate_nothing_after_warm_up_on_any_thread()
        {
            foreach (INetwork net in new INetwork[] { new SimpleConvNet(4), new ChunkPoolNet(4) })
            {
                const int batch = 100;
                float[] x = Inputs(batch, net.InputSize, 2);
                int[] labels = Enumerable.Range(0, batch).Select(i => i % net.OutputSize).ToArray();
                var adam = new CnnGen.Training.Adam(0.001f) { WeightDecay = 1e-4f };
                void Step()
                {
                    ParallelBlocks.ResetBackoff();
                    net.IsTraining = true;
                    net.Loss(x, labels);
                    net.Backward();
                    adam.Step(net.Parameters);
                    net.IsTraining = false;
                    net.Forward(x);
                    net.Forward(x.AsSpan(0, 40 * net.InputSize));
                }

                try
                {
                    KernelDispatch.MaxDegreeOfParallelism = 2;
                    for (int i = 0; i < 10; i++) Step(); // a helper sizes its own buffers the first time it takes a chunk
                    long helpers = ParallelBlocks.HelperAllocatedBytes, jobs = ParallelBlocks.HelperJobs;
                    Assert.Equal(0, AllocationProbe.Least(() =>
                    {
                        for (int i = 0; i < 5; i++) Step();
                    }));
                    Assert.Equal(helpers, ParallelBlocks.HelperAllocatedBytes);
                    Assert.True(ParallelBlocks.HelperJobs > jobs, "the helpers never took part, so the check above proves nothing");
                }
                finally
                {
                    KernelDispatch.Reset();
                }
            }
        }

        [Fact]
        public void An_input_that_lies_in_the_networks_own_buffers_gives_what_a_copy_of_it_gives()
        {
            // Chunks copy their own input just before they run, while earlier chunks write the network's buffers: an input
            // inside one of them (here the pooled activations of the last batch, which the next pass overwrites chunk by
            // chunk) must be read as it was when Forward was called.
            AtDegrees(degree =>
            {
                var net = new SimpleConvNet(3) { IsTraining = false };
                net.Forward(Inputs(100, 784, 4));
                ReadOnlySpan<float> pooled = net.GetActivation(3); // 100 x 4320 floats, in the network's buffer
                float[] copy = pooled.Slice(0, 64 * 784).ToArray();
                float[] fromBuffer = net.Forward(pooled.Slice(0, 64 * 784)).ToArray();

                var reference = new SimpleConvNet(3) { IsTraining = false };
                float[] fromCopy = reference.Forward(copy).ToArray();
                SameBits(fromCopy, fromBuffer, $"input inside the network's own buffer, degree {degree}");
            });
        }

        [Fact]
        public void Batch_normalisation_keeps_a_training_pass_whole_and_an_inference_pass_is_cut()
        {
            const int batch = 64;
            var net = new GradBatchNorm(2);
            float[] x = Inputs(batch, GradBatchNorm.InputSize, 4);
            float[] changed = (float[])x.Clone();
            for (int i = (batch - 1) * GradBatchNorm.InputSize; i < changed.Length; i++) changed[i] += 3f;

            AtDegrees(degree =>
            {
                // Training: the batch statistics span every sample, so changing the last one moves the first one's logits.
                net.IsTraining = true;
                float[] first = net.Forward(x).Slice(0, 3).ToArray();
                float[] firstAfterChange = net.Forward(changed).Slice(0, 3).ToArray();
                Assert.NotEqual(first, firstAfterChange);

                // Inference: running averages, each chunk on its own.
                net.IsTraining = false;
                SameBits(ChunkByChunk(net, x, batch, 0).Logits, net.Forward(x).ToArray(), $"inference, degree {degree}");
                Assert.Equal(net.Forward(x).Slice(0, 3).ToArray(), net.Forward(changed).Slice(0, 3).ToArray());
            });
        }
    }

    /// <summary>The tests that set the kernels' degree of parallelism (global) run alone, never beside other tests.</summary>
    [CollectionDefinition(nameof(ChunkedForwardTests), DisableParallelization = true)]
    public sealed class ChunkedForwardCollection
    {
    }
}
