using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Batched NCHW convolution (cross-correlation) by im2col + GEMM, as in the notes, per image:
    /// <c>y_n (FN x OH*OW) = W (FN x CFF) * col_n (CFF x OH*OW) + b</c>. A 1x1 convolution with stride 1
    /// and no padding skips the unfold (the image already is its column matrix).
    /// </summary>
    /// <remarks>
    /// With <see cref="KernelDispatch.MaxDegreeOfParallelism"/> above 1 and enough work, images are shared among threads
    /// (each thread unfolds into its own column buffer); forward and input gradient are then bit-identical to one thread.
    /// The filter gradient splits the batch into a fixed number of contiguous image ranges for the degree, sums each range
    /// separately and adds the partial sums in range order, so its result depends only on the degree. Called inside a
    /// chunk of samples (<see cref="SampleChunks"/>), a kernel plans for one thread (<see cref="ParallelBlocks.Degree"/>).
    /// </remarks>
    public static class Conv2D
    {
        /// <summary>Floats of workspace one call needs (the column matrix of one image).</summary>
        public static int WorkspaceSize(in ConvGeometry g) => IsPointwise(g) ? 0 : g.ColumnSize;

        private static bool IsPointwise(in ConvGeometry g) => g.Kernel == 1 && g.Stride == 1 && g.Pad == 0;

        /// <summary>Multiply-adds below which a batch is not worth sharing among threads.</summary>
        private const long ParallelWork = 1L << 20;

        private static bool Splits(in ConvGeometry g, int batch) => Splits(g, batch, ParallelBlocks.Degree);

        private static bool Splits(in ConvGeometry g, int batch, int degree) =>
            batch > 1 && degree > 1 && (long)batch * g.OutputSize * g.PatchSize >= ParallelWork;

        /// <summary>Forward pass over <paramref name="batch"/> images. <paramref name="bias"/> may be empty (no bias).</summary>
        public static void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace) =>
            ForwardCore(g, batch, x, weights, bias, y, workspace, relu: false);

        /// <summary>
        /// A convolution and the ReLU after it, <c>y = relu(conv(x))</c>: the AVX-512 direct kernels rectify each register
        /// block as they store it; other algorithms rectify each image's output right after computing it, while it is still
        /// in cache. A separate ReLU pass reads and writes the whole batch's output through memory (at batch 100 a 16x32x32
        /// output is 6.5 MB). Bit-identical to <see cref="Forward"/> followed by <see cref="Activations.ReluForward"/>.
        /// <paramref name="bias"/> may be empty.
        /// </summary>
        public static void ForwardRelu(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace) =>
            ForwardCore(g, batch, x, weights, bias, y, workspace, relu: true);

        private static void ForwardCore(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace, bool relu)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(weights.Length, g.WeightSize, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, g.Filters, nameof(bias));
            Guard.Length(y.Length, (long)batch * g.OutputSize, nameof(y));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            if (Splits(g, batch))
            {
                ForwardInRanges(relu ? ConvJob.Kind.ForwardRelu : ConvJob.Kind.Forward, g, default, batch, x, weights, bias, y);
                return;
            }

            ForwardRange(g, batch, x, weights, bias, y, workspace, CallerScratch(g), relu);
        }

        /// <summary>
        /// An inference pass's convolution, ReLU and max pooling in one pass over the batch:
        /// <c>y = maxpool(relu(conv(x)))</c>, image by image. Where the AVX-512 direct kernel applies and the pool is 2x2
        /// with stride 2 over even sizes, each register block is pooled before it is stored and the convolution's output
        /// is never written (<see cref="ConvDirectWide.PoolsInRegisters"/>); otherwise each image's convolution output goes
        /// to a scratch buffer that stays in cache instead of a batch-sized buffer that goes through memory. Bit-identical
        /// to the three layers run one after another. <paramref name="bias"/> may be empty.
        /// </summary>
        public static void ForwardReluMaxPool(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace) =>
            ForwardReluMaxPool(g, pool, batch, x, weights, bias, y, workspace, Span<byte>.Empty);

        /// <summary>
        /// A training pass's convolution, ReLU and max pooling in one pass over the batch: <c>y = maxpool(relu(conv(x)))</c>
        /// with the pool's winner codes, image by image, each image's convolution output in a scratch buffer that stays in
        /// cache (the batch's convolution output, 6.9 MB for SimpleConvNet at batch 100, is never written). The codes are those
        /// <see cref="Pooling.MaxReluForward(in ConvGeometry, int, ReadOnlySpan{float}, Span{float}, Span{byte})"/> gives on the
        /// batch's convolution output (<see cref="Pooling.NoWinner"/> where a window's maximum is not positive), and everything
        /// is bit-identical to the layers run one after another. A chunk of a larger batch passes its own samples' spans: the
        /// codes do not depend on where a window's image sits in the batch.
        /// </summary>
        public static unsafe void ForwardReluMaxPool(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<byte> winners, Span<float> workspace)
        {
            Guard.Length(winners.Length, (long)batch * pool.OutputSize, nameof(winners));
            Pooling.GuardWindow(pool);
            ForwardReluMaxPool(g, pool, batch, x, weights, bias, y, workspace, winners);
        }

        private static unsafe void ForwardReluMaxPool(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace, Span<byte> winners)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(weights.Length, g.WeightSize, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, g.Filters, nameof(bias));
            GuardPoolTakesOutput(g, pool);

            Guard.Length(y.Length, (long)batch * pool.OutputSize, nameof(y));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            if (Splits(g, batch))
            {
                ForwardInRanges(ConvJob.Kind.ForwardPooled, g, pool, batch, x, weights, bias, y, winners);
                return;
            }

            float* image = PinnedBuffer.ForCurrentThread.Get(ConvDirectWide.ScratchSize(g) + g.OutputSize);
            var scratch = new Span<float>(image, ConvDirectWide.ScratchSize(g));
            ForwardPooledRange(g, pool, batch, x, weights, bias, y, workspace, scratch, new Span<float>(image + scratch.Length, g.OutputSize), winners);
        }

        /// <summary>A forward pass (<paramref name="pool"/> and, in training, <paramref name="winners"/> for
        /// <see cref="ConvJob.Kind.ForwardPooled"/>) shared among threads in ranges of consecutive images, each range with its
        /// own scratch.</summary>
        private static unsafe void ForwardInRanges(ConvJob.Kind kind, in ConvGeometry g, in ConvGeometry pool, int batch,
            ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<byte> winners = default)
        {
            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (byte* cp = winners)
            {
                ConvJob job = ConvJob.ForCurrentThread;
                job.Set(kind, g, batch, xp, wp, bp, bias.Length, yp, null);
                job.Pool = pool;
                job.Winners = winners.IsEmpty ? null : cp;
                job.Ranges = ParallelBlocks.BlocksFor(batch, perThread: RangesPerThread(g));
                ParallelBlocks.Run(job, job.Ranges);
                job.Clear();
            }
        }

        /// <summary>
        /// Ranges per thread of a forward pass shared among threads. One image per range balances best when a core is slowed,
        /// but the Winograd and filters-in-lanes kernels transform or gather the filters once per range: with one image per
        /// range, SmallVgg's input gradients (Winograd, batch 100) took longer on two threads than on one. With about twelve
        /// images per range, SmallVgg's two-thread training step went from 31.2 / 31.3 to 27.3 / 27.7 ms (0.81-0.83 to
        /// 0.92-0.93 of two independent one-thread copies; <c>scaling 6 SmallVgg</c> in the benchmarks, alternating runs).
        /// </summary>
        private static int RangesPerThread(in ConvGeometry g) => ConvWinograd.Applies(g) || ConvFiltersInLanes.Applies(g) ? 4 : 64;

        /// <summary>The fused convolution, ReLU and max pool of <paramref name="batch"/> consecutive images on the calling thread,
        /// with the pool's winner codes when <paramref name="winners"/> is not empty (training).</summary>
        private static void ForwardPooledRange(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x,
            ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace, Span<float> scratch, Span<float> convOutput,
            Span<byte> winners)
        {
            if (!winners.IsEmpty)
            {
                if (ConvDirectWide.PoolsInRegisters(g, pool) && !ConvWinograd.Applies(g))
                {
                    // The direct kernel pools each register block with its winner codes before storing it: the convolution's
                    // output is never written (SimpleConvNet's training step at batch 100, the two taking turns: 0.91x the
                    // time on one thread, 0.80x on two).
                    for (int n = 0; n < batch; n++)
                    {
                        ConvDirectWide.ForwardReluMaxPool(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * pool.OutputSize, pool.OutputSize),
                            winners.Slice(n * pool.OutputSize, pool.OutputSize));
                    }

                    return;
                }

                // Training: each image's output in cache, then the pool with its winner codes.
                bool winograd = ConvWinograd.Applies(g);
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> image = x.Slice(n * g.InputSize, g.InputSize);
                    // The Winograd kernel transforms the filters for the range's first image only.
                    if (winograd) ConvWinograd.Forward(g, 1, image, weights, bias, convOutput, scratch, relu: false, maxPool: false, transformFilters: n == 0);
                    else ForwardRange(g, 1, image, weights, bias, convOutput, workspace, scratch, relu: false);
                    Pooling.MaxReluForward(pool, 1, convOutput, y.Slice(n * pool.OutputSize, pool.OutputSize), winners.Slice(n * pool.OutputSize, pool.OutputSize));
                }

                return;
            }

            if (ConvWinograd.PoolsInRegisters(g, pool))
            {
                // Each output tile is one pooling window, reduced in the output transform.
                ConvWinograd.Forward(g, batch, x, weights, bias, y, scratch, relu: true, maxPool: true);
                return;
            }

            if (ConvDirectWide.PoolsInRegisters(g, pool))
            {
                // The direct kernel pools each register block before storing it: the convolution's output is never written.
                for (int n = 0; n < batch; n++)
                {
                    ConvDirectWide.ForwardReluMaxPool(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * pool.OutputSize, pool.OutputSize));
                }

                return;
            }

            for (int n = 0; n < batch; n++)
            {
                ForwardRange(g, 1, x.Slice(n * g.InputSize, g.InputSize), weights, bias, convOutput, workspace, scratch, relu: false);
                Pooling.MaxReluPlanes(pool, pool.Channels, convOutput, y.Slice(n * pool.OutputSize, pool.OutputSize));
            }
        }

        /// <summary>The direct kernels' scratch for work done on the calling thread alone (grown once per thread).</summary>
        private static unsafe Span<float> CallerScratch(in ConvGeometry g)
        {
            int size = ConvDirectWide.ScratchSize(g);
            return new Span<float>(PinnedBuffer.ForCurrentThread.Get(Math.Max(1, size)), size);
        }

        /// <summary>The forward pass of <paramref name="batch"/> consecutive images on the calling thread.</summary>
        private static void ForwardRange(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace, Span<float> scratch, bool relu)
        {
            if (ConvWinograd.Applies(g))
            {
                ConvWinograd.Forward(g, batch, x, weights, bias, y, scratch, relu, maxPool: false);
                return;
            }

            if (ConvFiltersInLanes.Applies(g))
            {
                ConvFiltersInLanes.Forward(g, batch, x, weights, bias, y, scratch, relu);
                return;
            }

            if (relu && (ConvDirectWide.AppliesForward(g) || ConvDirectWide.AppliesForwardPadded(g)))
            {
                // The direct kernel rectifies each register block as it stores it.
                ConvGeometry padded = ConvDirectWide.AppliesForward(g) ? g : ConvDirectWide.Padded(g);
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> image = x.Slice(n * g.InputSize, g.InputSize);
                    Span<float> output = y.Slice(n * g.OutputSize, g.OutputSize);
                    if (ConvDirectWide.AppliesForward(g)) ConvDirectWide.Forward(g, image, weights, bias, output, relu: true);
                    else ConvDirectWide.ForwardPadded(g, padded, image, weights, bias, output, scratch, relu: true);
                }

                return;
            }

            if (relu)
            {
                // Other algorithms: image by image, each output rectified while it is in cache.
                for (int n = 0; n < batch; n++)
                {
                    Span<float> output = y.Slice(n * g.OutputSize, g.OutputSize);
                    ForwardRange(g, 1, x.Slice(n * g.InputSize, g.InputSize), weights, bias, output, workspace, scratch, relu: false);
                    ElementwiseSimd.Relu(output, output);
                }

                return;
            }

            int plane = g.OutPlane;
            if (ConvDirectWide.AppliesForward(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirectWide.Forward(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize));
                }

                return;
            }

            if (ConvDirectWide.AppliesForwardFlat(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirectWide.ForwardFlat(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize), scratch);
                }

                return;
            }

            if (ConvDirectWide.AppliesForwardPadded(g))
            {
                ConvGeometry padded = ConvDirectWide.Padded(g);
                for (int n = 0; n < batch; n++)
                {
                    ConvDirectWide.ForwardPadded(g, padded, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize), scratch);
                }

                return;
            }

            if (ConvDirect.Applies(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirect.Forward(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize));
                }

                return;
            }

            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * g.InputSize, g.InputSize);
                ReadOnlySpan<float> col = image;
                if (!IsPointwise(g))
                {
                    Im2Col.Unfold(g, image, workspace);
                    col = workspace.Slice(0, g.ColumnSize);
                }

                Span<float> output = y.Slice(n * g.OutputSize, g.OutputSize);
                Gemm.MultiplyUnchecked(false, false, g.Filters, plane, g.PatchSize, weights, col, output, accumulate: false);
                if (!bias.IsEmpty)
                {
                    for (int f = 0; f < g.Filters; f++)
                    {
                        Span<float> row = output.Slice(f * plane, plane);
                        TensorPrimitives.Add(row, bias[f], row);
                    }
                }
            }
        }

        /// <summary>Weight and bias gradients, <b>overwriting</b> <paramref name="weightGradient"/> and
        /// <paramref name="biasGradient"/> (which may be empty): <c>dW = sum_n dy_n * col_nᵀ</c>, <c>db = sum over n, y, x of dy</c>.</summary>
        public static unsafe void BackwardFilter(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(dy.Length, (long)batch * g.OutputSize, nameof(dy));
            GuardFilterGradients(g, weightGradient, biasGradient, workspace);
            fixed (float* dyp = dy)
            {
                FilterGradientOverBatch(g, batch, x, OutputGradient.Stored(dyp, g.OutputSize), weightGradient, biasGradient, workspace);
            }
        }

        /// <summary>
        /// The weight and bias gradients of a convolution followed by ReLU and max pooling, <b>overwriting</b> both, from the
        /// pool's output gradient: each image's convolution-output gradient (<see cref="Pooling.MaxBackward"/>) is made in
        /// cache and used at once, so the batch's (6.9 MB for SimpleConvNet at batch 100) is never written or read back.
        /// For a first layer, which needs no input gradient. <paramref name="winners"/> are the training pass's
        /// (<see cref="ForwardReluMaxPool(in ConvGeometry, in ConvGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{byte}, Span{float})"/>).
        /// Bit-identical to <see cref="Pooling.MaxBackward"/> followed by <see cref="BackwardFilter"/>, except where
        /// <see cref="FilterGradientFromArgMax"/> takes the work (one input channel, at most half the windows passing a
        /// gradient): it adds each passing window's patch instead, the same sums in another order, equal to rounding.
        /// </summary>
        public static unsafe void BackwardFilterThroughMaxPool(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x,
            ReadOnlySpan<float> poolGradient, ReadOnlySpan<byte> winners, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            GuardThroughPool(g, pool, batch, x, poolGradient, weightGradient, biasGradient, workspace);
            Guard.Length(winners.Length, (long)batch * pool.OutputSize, nameof(winners));
            Pooling.GuardWindow(pool);
            fixed (float* pg = poolGradient)
            fixed (byte* cp = winners)
            {
                FilterGradientOverBatch(g, batch, x, OutputGradient.ThroughPool(pool, pg, cp, g.OutputSize), weightGradient, biasGradient, workspace);
            }
        }

        /// <summary>
        /// The weight and bias gradients of a convolution followed by an activation and average pooling, <b>overwriting</b>
        /// both, from the pool's output gradient: each image's convolution-output gradient (<see cref="Pooling.AvgBackward"/>,
        /// then the activation's backward pass on <paramref name="activationOutput"/>) is made in cache and used at once, so
        /// neither the activation's nor the convolution's output gradient is written for the batch (LeNet-5's first layer:
        /// 1.9 MB each at batch 100, written and read back by two passes). For a first layer, which needs no input gradient.
        /// Bit-identical to <see cref="Pooling.AvgBackward"/>, the activation's backward pass and <see cref="BackwardFilter"/>.
        /// </summary>
        public static unsafe void BackwardFilterThroughAvgPool(in ConvGeometry g, in ConvGeometry pool, Activation activation, int batch,
            ReadOnlySpan<float> x, ReadOnlySpan<float> poolGradient, ReadOnlySpan<float> activationOutput, Span<float> weightGradient,
            Span<float> biasGradient, Span<float> workspace)
        {
            GuardThroughPool(g, pool, batch, x, poolGradient, weightGradient, biasGradient, workspace);
            Guard.Length(activationOutput.Length, (long)batch * g.OutputSize, nameof(activationOutput));
            fixed (float* pg = poolGradient)
            fixed (float* ao = activationOutput)
            {
                FilterGradientOverBatch(g, batch, x, OutputGradient.ThroughAvgPool(pool, activation, pg, ao, g.OutputSize), weightGradient, biasGradient, workspace);
            }
        }

        /// <summary>The checks both filter gradients through a pool make: the batch, the pool taking the convolution's output,
        /// the input's and the pool gradient's lengths, and the gradients and workspace.</summary>
        private static void GuardThroughPool(in ConvGeometry g, in ConvGeometry pool, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> poolGradient,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            Guard.Batch(batch);
            GuardPoolTakesOutput(g, pool);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(poolGradient.Length, (long)batch * pool.OutputSize, nameof(poolGradient));
            GuardFilterGradients(g, weightGradient, biasGradient, workspace);
        }

        private static void GuardPoolTakesOutput(in ConvGeometry g, in ConvGeometry pool)
        {
            if (pool.Channels != g.Filters || pool.Height != g.OutHeight || pool.Width != g.OutWidth || pool.Filters != pool.Channels)
            {
                throw new ArgumentException($"The pooling geometry ({pool.Channels}x{pool.Height}x{pool.Width}) must take the convolution's output ({g.Filters}x{g.OutHeight}x{g.OutWidth}).", nameof(pool));
            }
        }

        private static void GuardFilterGradients(in ConvGeometry g, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            Guard.Length(weightGradient.Length, g.WeightSize, nameof(weightGradient));
            if (!biasGradient.IsEmpty) Guard.Length(biasGradient.Length, g.Filters, nameof(biasGradient));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));
        }

        /// <summary>
        /// Image ranges per thread of a filter gradient shared among threads (each range sums into gradients of its own,
        /// added up at the end). Four let a thread that is not slowed take more of the batch when the other is (the ranges are
        /// claimed as the threads come free; their cut is fixed by the configured degree, so the sums are too); their
        /// gradients are small (SimpleConvNet's first layer: 750 floats), so folding them costs little. Four against two,
        /// <c>benchmarks/CnnGen.BuildCompare</c>, both orders, two threads: LeNet-5's training step 0.927x / 0.962x the time,
        /// SimpleConvNet's 0.962x / 1.004x, small VGG's level. The Winograd kernel takes one, as each range clears and folds
        /// its transformed sums (per lane, 16 x filters x channels x 16 floats: 512 KB for 16 -> 32 channels). SmallVgg's
        /// 16-wide layers at batch 100 on two threads, one range per thread against two, taking turns: 32 -> 32 channels
        /// 0.92x / 0.91x the time, 16 -> 32 0.93x / 0.87x (two runs); its 32-wide layer level (0.92x / 1.00x). With the
        /// channels in the lanes (<see cref="ConvWinograd.ChannelsInLanes"/>: 64 KB of sums for 32 -> 32) four ranges per
        /// thread were still slower: small VGG's two-thread training step 1.040x / 1.028x the time.
        /// </summary>
        private static int FilterRangesPerThread(in ConvGeometry g) => ConvWinograd.AppliesFilterGradient(g) ? 1 : 4;

        private static unsafe void FilterGradientOverBatch(in ConvGeometry g, int batch, ReadOnlySpan<float> x, OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            int degree = ParallelBlocks.Degree;
            if (Splits(g, batch, degree))
            {
                // A fixed split for the configured degree (not for the threads that happen to run it, nor for the pool's
                // back-off): deterministic sums.
                int ranges = ParallelBlocks.BlocksFor(batch, FilterRangesPerThread(g), degree);
                fixed (float* xp = x)
                fixed (float* wgp = weightGradient)
                fixed (float* bgp = biasGradient)
                {
                    ConvJob job = ConvJob.ForCurrentThread;
                    job.Set(ConvJob.Kind.Filter, g, batch, xp, null, bgp, biasGradient.Length, wgp, null);
                    job.Gradient = dy;
                    job.Ranges = ranges;
                    float* partials = job.Partials((ranges - 1) * (g.WeightSize + g.Filters));
                    job.SetPartials(partials);
                    ParallelBlocks.Run(job, ranges);
                    job.Clear();
                    int stride = g.WeightSize + g.Filters;
                    for (int r = 1; r < ranges; r++)
                    {
                        float* p = partials + (long)(r - 1) * stride;
                        TensorPrimitives.Add(weightGradient, new ReadOnlySpan<float>(p, g.WeightSize), weightGradient);
                        if (!biasGradient.IsEmpty)
                        {
                            TensorPrimitives.Add(biasGradient, new ReadOnlySpan<float>(p + g.WeightSize, g.Filters), biasGradient);
                        }
                    }
                }

                return;
            }

            // The kernels' scratch, then (through a pool) one image's output gradient and its arg-max indices.
            int direct = KernelScratchSize(g);
            float* region = PinnedBuffer.ForCurrentThread.Get(Math.Max(1, direct + dy.ScratchFloats));
            BackwardFilterRange(g, batch, x, dy.ForRange(0, region + direct), weightGradient, biasGradient, workspace, new Span<float>(region, direct));
        }

        /// <summary>Where a filter-gradient pass takes each image's output gradient: stored for the batch, or made image by
        /// image, in scratch, when its turn comes: from a max pool's output gradient (through a pool fed by a ReLU), or from an
        /// average pool's and the output of the activation that feeds it (<see cref="_activationOutput"/> set).</summary>
        internal readonly unsafe struct OutputGradient
        {
            private readonly float* _stored, _poolGradient, _activationOutput, _imageScratch;
            private readonly byte* _winners;
            private readonly int _imageSize, _firstImage;
            private readonly ConvGeometry _pool;
            private readonly Activation _activation;

            private OutputGradient(float* stored, int imageSize, in ConvGeometry pool, float* poolGradient, byte* winners,
                float* activationOutput, Activation activation, float* imageScratch, int firstImage)
            {
                _stored = stored; _imageSize = imageSize; _pool = pool; _poolGradient = poolGradient; _winners = winners;
                _activationOutput = activationOutput; _activation = activation; _imageScratch = imageScratch;
                _firstImage = firstImage;
            }

            public static OutputGradient Stored(float* dy, int imageSize) => new(dy, imageSize, default, null, null, null, default, null, 0);

            public static OutputGradient ThroughPool(in ConvGeometry pool, float* poolGradient, byte* winners, int imageSize) =>
                new(null, imageSize, pool, poolGradient, winners, null, default, null, 0);

            public static OutputGradient ThroughAvgPool(in ConvGeometry pool, Activation activation, float* poolGradient, float* activationOutput, int imageSize) =>
                new(null, imageSize, pool, poolGradient, null, activationOutput, activation, null, 0);

            private bool FromPool => _poolGradient != null;

            private bool FromAvgPool => _activationOutput != null;

            /// <summary>Scratch floats a range needs: one image's output gradient.</summary>
            public int ScratchFloats => FromPool ? _imageSize : 0;

            /// <summary>The images from <paramref name="firstImage"/> on, with <paramref name="scratch"/> (<see cref="ScratchFloats"/>) to make them in.</summary>
            public OutputGradient ForRange(int firstImage, float* scratch) => FromPool
                ? new(null, _imageSize, _pool, _poolGradient, _winners, _activationOutput, _activation, scratch, _firstImage + firstImage)
                : new(_stored + (long)firstImage * _imageSize, _imageSize, default, null, null, null, default, null, 0);

            /// <summary>The filter gradient of the range's first <paramref name="count"/> images (<paramref name="x"/> holds them)
            /// from the windows' winners (<see cref="FilterGradientFromArgMax"/>), when the gradient comes through a max pool fed
            /// by a ReLU, that kernel takes <paramref name="g"/> and at most half of the range's windows pass a gradient; false
            /// (nothing done) otherwise.</summary>
            public bool TryFromArgMax(in ConvGeometry g, int count, float* x, Span<float> weightGradient, Span<float> biasGradient)
            {
                if (!FromPool || FromAvgPool || !FilterGradientFromArgMax.Applies(g)) return false;
                long windows = (long)count * _pool.OutputSize;
                if (!FilterGradientFromArgMax.Pays(_winners + _firstImage * (long)_pool.OutputSize, windows)) return false;
                FilterGradientFromArgMax.FilterGradient(g, _pool, _firstImage, count, x, _poolGradient, _winners, weightGradient, biasGradient);
                return true;
            }

            /// <summary>Image <paramref name="n"/> of the range's output gradient (made now when it comes through a pool).</summary>
            public float* Image(int n)
            {
                if (!FromPool) return _stored + (long)n * _imageSize;
                if (FromAvgPool) return ThroughActivation(_firstImage + n);
                int image = _firstImage + n, pooled = _pool.OutputSize;
                Pooling.MaxBackward(_pool, 1, new ReadOnlySpan<float>(_poolGradient + (long)image * pooled, pooled),
                    new ReadOnlySpan<byte>(_winners + (long)image * pooled, pooled), new Span<float>(_imageScratch, _imageSize));
                return _imageScratch;
            }

            /// <summary>One image's gradient through the average pool, then through the activation (on its output), in scratch.</summary>
            private float* ThroughActivation(int image)
            {
                int pooled = _pool.OutputSize;
                var gradient = new Span<float>(_imageScratch, _imageSize);
                var output = new ReadOnlySpan<float>(_activationOutput + (long)image * _imageSize, _imageSize);
                Pooling.AvgBackward(_pool, 1, new ReadOnlySpan<float>(_poolGradient + (long)image * pooled, pooled), gradient);
                switch (_activation)
                {
                    case Activation.Relu: ElementwiseSimd.ReluBackward(output, gradient, gradient); break;
                    case Activation.Sigmoid: ElementwiseSimd.SigmoidBackward(output, gradient, gradient); break;
                    default: ElementwiseSimd.TanhBackward(output, gradient, gradient); break;
                }

                return _imageScratch;
            }
        }

        /// <summary>
        /// Whether the filter gradient is summed as <c>dWᵀ (patch x F) += col_n (patch x P) dy_nᵀ (P x F)</c>, image by image, by
        /// the register-tiled product that reads its B in place (<see cref="GemmFewRows"/>): <c>dy_nᵀ</c>, one image's output
        /// gradient transposed, is narrow (F columns) and stays in cache while the tiles pass down the column matrix. The
        /// packed product of <c>dy_n colᵀ</c> it replaces packed the whole column matrix, transposed, for every image. Measured at
        /// batch 100 (one thread): SmallVgg's 3x3 layers 37-68 -> 56-97 GFLOP/s, LeNet-5's second layer 14 -> 33-36. With a
        /// short patch (under 64 taps: one input channel 5x5, three 3x3) the direct dot-product kernel stays faster
        /// (SimpleConvNet's first layer 55 against 32 GFLOP/s) and keeps it.
        /// </summary>
        internal static bool FilterGradientByProduct(in ConvGeometry g) =>
            !ConvWinograd.AppliesFilterGradient(g) && !FilterGradientFiltersInLanes.Applies(g) && !FilterGradientOverPitch.TakesEveryBatch(g) &&
            GemmFewRows.Applies(2, g.Filters, g.OutPlane) && g.Filters >= 8 &&
            (g.PatchSize >= 64 || !ConvDirectWide.AppliesFilterGradient(g));

        /// <summary>Scratch floats of <see cref="FilterGradientByProduct"/>: <c>dWᵀ</c> and one image's <c>dyᵀ</c>.</summary>
        private static int FilterProductScratch(in ConvGeometry g) => FilterGradientByProduct(g) ? g.Filters * (g.PatchSize + g.OutPlane) : 0;

        /// <summary>Per-participant scratch of the direct kernels and the filter-gradient product.</summary>
        private static int KernelScratchSize(in ConvGeometry g) =>
            Math.Max(Math.Max(Math.Max(ConvDirectWide.ScratchSize(g), FilterProductScratch(g)), FilterGradientOverPitch.ScratchSize(g)),
                Math.Max(ConvWinograd.FilterGradientScratchSize(g), FilterGradientFiltersInLanes.ScratchSize(g)));

        /// <summary>The filter gradient of <paramref name="batch"/> consecutive images on the calling thread, overwriting both gradients.</summary>
        private static unsafe void BackwardFilterRange(in ConvGeometry g, int batch, ReadOnlySpan<float> x, OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace, Span<float> scratch)
        {
            fixed (float* xp = x)
            {
                if (dy.TryFromArgMax(g, batch, xp, weightGradient, biasGradient)) return;
            }

            if (ConvWinograd.AppliesFilterGradient(g))
            {
                ConvWinograd.FilterGradient(g, batch, x, dy, weightGradient, biasGradient, scratch);
                return;
            }

            if (FilterGradientFiltersInLanes.Applies(g))
            {
                FilterGradientFiltersInLanes.FilterGradient(g, batch, x, dy, weightGradient, biasGradient, scratch);
                return;
            }

            if (FilterGradientOverPitch.Applies(g, batch))
            {
                FilterGradientOverPitch.FilterGradient(g, batch, x, dy, weightGradient, biasGradient, scratch);
                return;
            }

            bool byProduct = FilterGradientByProduct(g);
            if (!byProduct && ConvDirectWide.AppliesFilterGradient(g))
            {
                ConvDirectWide.FilterGradient(g, batch, x, dy, weightGradient, biasGradient, workspace, scratch);
                return;
            }

            if (!byProduct) weightGradient.Clear();   // (the transposed product writes it whole at the end)
            biasGradient.Clear();
            if (!byProduct && ConvDirect.Applies(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirect.AccumulateFilterGradient(g, x.Slice(n * g.InputSize, g.InputSize), new ReadOnlySpan<float>(dy.Image(n), g.OutputSize),
                        weightGradient, biasGradient);
                }

                return;
            }

            // Image by image: unfold (unless 1x1), then either dWᵀ += col_n dy_nᵀ (the transposed product, into scratch) or
            // dW += dy_n col_nᵀ (the packed product, into the gradient).
            int plane = g.OutPlane, patch = g.PatchSize, filters = g.Filters;
            fixed (float* xp = x)
            fixed (float* wsp = workspace)
            fixed (float* sp = scratch)
            fixed (float* wgp = weightGradient)
            {
                float* transposedW = sp, transposedDy = sp + (long)patch * filters;
                for (int n = 0; n < batch; n++)
                {
                    float* col = xp + (long)n * g.InputSize;
                    if (!IsPointwise(g))
                    {
                        Im2Col.Unfold(g, x.Slice(n * g.InputSize, g.InputSize), workspace);
                        col = wsp;
                    }

                    float* grad = dy.Image(n);
                    if (byProduct)
                    {
                        GemmBlocked.Transpose(grad, plane, filters, plane, transposedDy, filters);
                        GemmFewRows.Accumulate(patch, filters, plane, plane, col, transposedDy, transposedW, overwrite: n == 0);
                    }
                    else
                    {
                        Gemm.MultiplyUnchecked(false, true, filters, patch, plane, new ReadOnlySpan<float>(grad, g.OutputSize),
                            new ReadOnlySpan<float>(col, g.ColumnSize), weightGradient, accumulate: true);
                    }

                    AddPlaneSums(grad, filters, plane, biasGradient);
                }

                if (byProduct) GemmBlocked.Transpose(transposedW, filters, patch, filters, wgp, patch);
            }
        }

        /// <summary>Adds each of <paramref name="filters"/> planes' sum to its entry of <paramref name="biasGradient"/> (a bias
        /// gradient's share of one image); nothing when the bias gradient is empty.</summary>
        internal static unsafe void AddPlaneSums(float* gradient, int filters, int plane, Span<float> biasGradient)
        {
            if (biasGradient.IsEmpty) return;
            for (int f = 0; f < filters; f++) biasGradient[f] += TensorPrimitives.Sum(new ReadOnlySpan<float>(gradient + (long)f * plane, plane));
        }

        /// <summary>Input gradient, <b>overwriting</b> <paramref name="dx"/>: <c>dx_n = col2im(Wᵀ * dy_n)</c>.</summary>
        public static unsafe void BackwardData(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights,
            Span<float> dx, Span<float> workspace)
        {
            Guard.Batch(batch);
            Guard.Length(dy.Length, (long)batch * g.OutputSize, nameof(dy));
            Guard.Length(weights.Length, g.WeightSize, nameof(weights));
            Guard.Length(dx.Length, (long)batch * g.InputSize, nameof(dx));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            bool filtersInLanes = InputGradientFiltersInLanes.Applies(g);
            if (!filtersInLanes && BackwardDataIsConvolution(g, out ConvGeometry transposed))
            {
                BackwardDataAsConvolution(g, transposed, batch, dy, weights, dx);
                return;
            }

            if (Splits(g, batch))
            {
                fixed (float* dyp = dy)
                fixed (float* wp = weights)
                fixed (float* dxp = dx)
                {
                    ConvJob job = ConvJob.ForCurrentThread;
                    job.Set(ConvJob.Kind.Data, g, batch, dyp, wp, null, 0, dxp, null);
                    // The filters-in-lanes kernel lays out the weights once per range: fewer, longer ranges.
                    job.Ranges = ParallelBlocks.BlocksFor(batch, perThread: filtersInLanes ? 4 : 64);
                    ParallelBlocks.Run(job, job.Ranges);
                    job.Clear();
                }

                return;
            }

            BackwardDataRange(g, batch, dy, weights, dx, workspace);
        }

        /// <summary>
        /// Whether the input gradient is computed as a convolution by the direct AVX-512 kernel. With stride 1, <c>dx</c> is the
        /// convolution of <c>dy</c> (F channels, OH x OW) with every filter's taps flipped and filters and channels swapped, padded
        /// by <c>K - 1 - P</c> (<paramref name="transposed"/>; its output is H x W again). The product <c>Wᵀ dy</c> behind col2im
        /// sums over only F terms per column entry and col2im then adds K x K of them into each input: measured at batch 100,
        /// one thread, the convolution form took 3.7 against 7.7-9.9 ms for SmallVgg's 16-channel 32 x 32 layer, 0.9 against
        /// 1.9-2.1 ms for LeNet-5's second layer (narrow rows, over the row pitch), 0.4-0.5 against 1.3-1.6 ms for an 8-channel
        /// 15 x 15 one.
        /// </summary>
        internal static bool BackwardDataIsConvolution(in ConvGeometry g, out ConvGeometry transposed)
        {
            transposed = default;
            if (g.Stride != 1 || g.Pad > g.Kernel - 1) return false;
            transposed = new ConvGeometry(g.Filters, g.OutHeight, g.OutWidth, g.Channels, g.Kernel, 1, g.Kernel - 1 - g.Pad);
            // Any of the kernels ForwardRange runs without a column matrix: wide rows, narrow rows over the row pitch or with the
            // filters in the lanes, a zero-bordered copy, or Winograd's transforms.
            return ConvDirectWide.AppliesForward(transposed) || ConvDirectWide.AppliesForwardFlat(transposed) ||
                   ConvDirectWide.AppliesForwardPadded(transposed) || ConvFiltersInLanes.Applies(transposed) || ConvWinograd.Applies(transposed);
        }

        [ThreadStatic] private static PinnedBuffer? t_transposedWeights;

        /// <summary><c>dx = conv(dy, W')</c> with <c>W'[c, f, ky, kx] = W[f, c, K-1-ky, K-1-kx]</c> (see <see cref="BackwardDataIsConvolution"/>),
        /// over the batch, in parallel like a forward pass.</summary>
        private static unsafe void BackwardDataAsConvolution(in ConvGeometry g, in ConvGeometry transposed, int batch, ReadOnlySpan<float> dy,
            ReadOnlySpan<float> weights, Span<float> dx)
        {
            int k = g.Kernel, taps = k * k;
            float* flipped = (t_transposedWeights ??= new PinnedBuffer()).Get(g.WeightSize);
            for (int f = 0; f < g.Filters; f++)
            {
                for (int c = 0; c < g.Channels; c++)
                {
                    ReadOnlySpan<float> source = weights.Slice((f * g.Channels + c) * taps, taps);
                    float* target = flipped + (long)(c * g.Filters + f) * taps;
                    for (int t = 0; t < taps; t++) target[t] = source[taps - 1 - t];
                }
            }

            var flippedWeights = new ReadOnlySpan<float>(flipped, g.WeightSize);
            if (Splits(transposed, batch))
            {
                ForwardInRanges(ConvJob.Kind.Forward, transposed, default, batch, dy, flippedWeights, ReadOnlySpan<float>.Empty, dx);
                return;
            }

            // The direct kernels take no column matrix.
            ForwardRange(transposed, batch, dy, flippedWeights, ReadOnlySpan<float>.Empty, dx, Span<float>.Empty, CallerScratch(transposed), relu: false);
        }

        /// <summary>The input gradient of <paramref name="batch"/> consecutive images on the calling thread.</summary>
        private static void BackwardDataRange(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights,
            Span<float> dx, Span<float> workspace)
        {
            if (InputGradientFiltersInLanes.Applies(g))
            {
                InputGradientFiltersInLanes.BackwardData(g, batch, dy, weights, dx);
                return;
            }

            int plane = g.OutPlane;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> grad = dy.Slice(n * g.OutputSize, g.OutputSize);
                Span<float> image = dx.Slice(n * g.InputSize, g.InputSize);
                if (IsPointwise(g))
                {
                    Gemm.MultiplyUnchecked(true, false, g.PatchSize, plane, g.Filters, weights, grad, image, accumulate: false);
                    continue;
                }

                Span<float> col = workspace.Slice(0, g.ColumnSize);
                Gemm.MultiplyUnchecked(true, false, g.PatchSize, plane, g.Filters, weights, grad, col, accumulate: false);
                image.Clear();
                Im2Col.FoldAdd(g, col, image);
            }
        }

        /// <summary>One parallel convolution call: blocks are contiguous image ranges, each with its own column buffer.</summary>
        private sealed unsafe class ConvJob : IBlockJob
        {
            public enum Kind { Forward, Filter, Data, ForwardPooled, ForwardRelu }

            /// <summary>The pooling geometry of a <see cref="Kind.ForwardPooled"/> job.</summary>
            public ConvGeometry Pool;

            /// <summary>The pool's winner codes of a training <see cref="Kind.ForwardPooled"/> job (null in inference).</summary>
            public byte* Winners;

            /// <summary>Where a <see cref="Kind.Filter"/> job takes each image's output gradient.</summary>
            public OutputGradient Gradient;

            [ThreadStatic] private static ConvJob? t_current;

            public static ConvJob ForCurrentThread => t_current ??= new ConvJob();

            private Kind _kind;
            private ConvGeometry _g;
            private int _batch, _biasLength, _blocks;
            private float* _a, _b, _c, _out, _partials, _scratchPointer;
            private int _scratchPerBlock;
            private readonly PinnedBuffer _scratch = new(), _partialSums = new();

            /// <summary>Image ranges (blocks) of the call. Setting it also sizes each range's own scratch (column matrix and
            /// direct-kernel buffers) here, on the calling thread: the helpers never allocate, however late they first join.</summary>
            public int Ranges
            {
                get => _blocks;
                set
                {
                    _blocks = value;
                    // 64-byte aligned regions: the column matrix, the direct kernels' scratch, and (pooled) one image's output.
                    int extra = _kind == Kind.ForwardPooled ? _g.OutputSize : _kind == Kind.Filter ? Gradient.ScratchFloats : 0;
                    _scratchPerBlock = (WorkspaceSize(_g) + KernelScratchSize(_g) + extra + 15) & ~15;
                    _scratchPointer = _scratch.Get(checked(value * _scratchPerBlock));
                }
            }

            /// <summary>Forward: a = x, b = weights, c = bias, out = y. Filter: a = x, b = dy, c = bias gradient, out = weight gradient.
            /// Data: a = dy, b = weights, out = dx.</summary>
            public void Set(Kind kind, in ConvGeometry g, int batch, float* a, float* b, float* c, int biasLength, float* output, float* partials)
            {
                _kind = kind; _g = g; _batch = batch; _a = a; _b = b; _c = c; _biasLength = biasLength; _out = output; _partials = partials;
                _blocks = 0;
            }

            public void SetPartials(float* partials) => _partials = partials;

            /// <summary>Sizes the helpers' GEMM pack buffers for the per-image products a range runs (on the im2col path).</summary>
            public void Prepare(int helpers)
            {
                ConvGeometry g = _g;
                for (int h = 0; h < helpers; h++)
                {
                    GemmBuffers buffers = ParallelBlocks.HelperGemmBuffers(h);
                    switch (_kind)
                    {
                        case Kind.Forward:
                        case Kind.ForwardRelu:
                        case Kind.ForwardPooled: Gemm.Reserve(buffers, g.Filters, g.OutPlane, g.PatchSize); break;
                        case Kind.Filter: Gemm.Reserve(buffers, g.Filters, g.PatchSize, g.OutPlane); break;
                        default: Gemm.Reserve(buffers, g.PatchSize, g.OutPlane, g.Filters); break;
                    }
                }
            }

            public void Clear()
            {
                _a = _b = _c = _out = _partials = null;
                Winners = null;
            }

            /// <summary>Grow-once pinned storage for the partial sums of ranges 1 and up.</summary>
            public float* Partials(int size) => _partialSums.Get(size);

            public void Run(int block)
            {
                int blocks = _blocks;
                int n0 = ParallelBlocks.Split(_batch, blocks, block), n1 = ParallelBlocks.Split(_batch, blocks, block + 1);
                int count = n1 - n0;
                if (count <= 0) return;
                ConvGeometry g = _g;
                int workspaceSize = WorkspaceSize(g);
                float* region = _scratchPointer + (long)block * _scratchPerBlock;
                var workspace = new Span<float>(region, workspaceSize);
                var scratch = new Span<float>(region + workspaceSize, _scratchPerBlock - workspaceSize);
                long inSize = g.InputSize, outSize = g.OutputSize;
                switch (_kind)
                {
                    case Kind.ForwardPooled:
                    {
                        int direct = ConvDirectWide.ScratchSize(g);
                        ForwardPooledRange(g, Pool, count, new ReadOnlySpan<float>(_a + n0 * inSize, (int)(count * inSize)),
                            new ReadOnlySpan<float>(_b, g.WeightSize), new ReadOnlySpan<float>(_c, _biasLength),
                            new Span<float>(_out + n0 * Pool.OutputSize, count * Pool.OutputSize), workspace,
                            new Span<float>(region + workspaceSize, direct), new Span<float>(region + workspaceSize + direct, g.OutputSize),
                            Winners == null ? Span<byte>.Empty : new Span<byte>(Winners + n0 * Pool.OutputSize, count * Pool.OutputSize));
                        break;
                    }

                    case Kind.Forward:
                    case Kind.ForwardRelu:
                        ForwardRange(g, count, new ReadOnlySpan<float>(_a + n0 * inSize, (int)(count * inSize)),
                            new ReadOnlySpan<float>(_b, g.WeightSize), new ReadOnlySpan<float>(_c, _biasLength),
                            new Span<float>(_out + n0 * outSize, (int)(count * outSize)), workspace, scratch, relu: _kind == Kind.ForwardRelu);
                        break;
                    case Kind.Data:
                        BackwardDataRange(g, count, new ReadOnlySpan<float>(_a + n0 * outSize, (int)(count * outSize)),
                            new ReadOnlySpan<float>(_b, g.WeightSize), new Span<float>(_out + n0 * inSize, (int)(count * inSize)), workspace);
                        break;
                    default:
                        float* wg = _out, bg = _c;
                        if (block > 0)
                        {
                            wg = _partials + (long)(block - 1) * (g.WeightSize + g.Filters);
                            bg = wg + g.WeightSize;
                        }

                        int directScratch = KernelScratchSize(g);
                        BackwardFilterRange(g, count, new ReadOnlySpan<float>(_a + n0 * inSize, (int)(count * inSize)),
                            Gradient.ForRange(n0, region + workspaceSize + directScratch),
                            new Span<float>(wg, g.WeightSize), new Span<float>(bg, _biasLength), workspace, scratch.Slice(0, directScratch));
                        break;
                }
            }
        }
    }
}
