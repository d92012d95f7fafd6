using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Emit
{
    /// <summary>A learnable tensor the generated class declares.</summary>
    internal sealed record ParameterDecl(string Name, long[] Shape, string Role, long FanIn, long FanOut, string Init);

    /// <summary>A non-learned state tensor (running averages).</summary>
    internal sealed record StateDecl(string Name, long Length, float Initial);

    /// <summary>A buffer: <see cref="PerSample"/> floats (or ints) per sample when <see cref="Batched"/>, else a fixed length.</summary>
    internal sealed record BufferDecl(string Name, long PerSample, string ElementType, bool Batched, string Purpose)
    {
        public bool IsFloat => ElementType == "float";
    }

    /// <summary>
    /// Derives from the plan everything the class must hold: parameters in the notes' order and layouts,
    /// state buffers, and activation/gradient buffers. Computed once, used by every emitter.
    /// </summary>
    internal sealed class NetworkLayout
    {
        public NetworkLayout(NetworkPlan plan)
        {
            var parameters = new List<ParameterDecl>();
            var states = new List<StateDecl>();
            var buffers = new List<BufferDecl> { new("_input", plan.Input.Size, "float", true, "a copy of the input (conv/affine backward needs it)") };
            long workspace = 0;
            bool needsInputGradient = false;
            foreach (LayerPlan l in plan.Layers)
            {
                if (l.OutputBuffer == $"_a{l.Number}" || l.OutputBuffer == "_probabilities")
                {
                    buffers.Add(new BufferDecl(l.OutputBuffer, l.Out.Size, "float", true, $"layer {l.Number} output"));
                }

                if (l.OutputGradient.Length > 0)
                {
                    buffers.Add(new BufferDecl(l.OutputGradient, l.Out.Size, "float", true, $"gradient of layer {l.Number} output"));
                }

                switch (l.Kind)
                {
                    case LayerKind.Conv:
                        parameters.Add(new ParameterDecl($"W{l.ParameterNumber}", new[] { l.Count, l.In.Channels, l.Size, l.Size }, "Weight",
                            l.In.Channels * l.Size * l.Size, l.Count * l.Size * l.Size, l.InitKind));
                        if (l.Bias)
                        {
                            parameters.Add(new ParameterDecl($"b{l.ParameterNumber}", new[] { l.Count }, "Bias",
                                l.In.Channels * l.Size * l.Size, l.Count * l.Size * l.Size, "Zeros"));
                        }

                        if (!(l.Size == 1 && l.Stride == 1 && l.Pad == 0))
                        {
                            workspace = System.Math.Max(workspace, l.In.Channels * l.Size * l.Size * l.Out.Height * l.Out.Width);
                        }

                        break;
                    case LayerKind.Affine:
                        parameters.Add(new ParameterDecl($"W{l.ParameterNumber}", new[] { l.In.Size, l.Count }, "Weight", l.In.Size, l.Count, l.InitKind));
                        parameters.Add(new ParameterDecl($"b{l.ParameterNumber}", new[] { l.Count }, "Bias", l.In.Size, l.Count, "Zeros"));
                        break;
                    case LayerKind.BatchNorm:
                        AddBatchNorm(parameters, states, l.ParameterNumber, l.In.Channels);
                        buffers.Add(new BufferDecl($"_xhat{l.Number}", l.In.Size, "float", true, $"layer {l.Number} normalised input"));
                        buffers.Add(new BufferDecl($"_invStd{l.Number}", l.In.Channels, "float", false, $"layer {l.Number} 1/std per channel"));
                        if (l.InputGradient.Length == 0) needsInputGradient = true;
                        break;
                    case LayerKind.MaxPool:
                        buffers.Add(new BufferDecl($"_winners{l.Number}", l.Out.Size, "byte", true, $"layer {l.Number} winner code per window (which input is the maximum)"));
                        break;
                    case LayerKind.Dropout:
                        buffers.Add(new BufferDecl($"_mask{l.Number}", l.Out.Size, "float", true, $"layer {l.Number} dropout mask"));
                        break;
                    case LayerKind.ResidualEnd when HasProjection(plan, l):
                    {
                        LayerPlan begin = plan.Layers[l.BlockBegin - 1];
                        int q = begin.ProjectionParameterNumber;
                        parameters.Add(new ParameterDecl($"W{q}", new[] { l.Out.Channels, begin.In.Channels, 1L, 1L }, "Weight", begin.In.Channels, l.Out.Channels, "He"));
                        AddBatchNorm(parameters, states, q + 1, l.Out.Channels);
                        buffers.Add(new BufferDecl($"_shortcut{l.Number}", l.Out.Size, "float", true, $"layer {l.Number} shortcut convolution output"));
                        buffers.Add(new BufferDecl($"_shortcutNorm{l.Number}", l.Out.Size, "float", true, $"layer {l.Number} shortcut after batch normalisation"));
                        buffers.Add(new BufferDecl($"_shortcutXHat{l.Number}", l.Out.Size, "float", true, $"layer {l.Number} shortcut normalised values"));
                        buffers.Add(new BufferDecl($"_shortcutInvStd{l.Number}", l.Out.Channels, "float", false, $"layer {l.Number} shortcut 1/std"));
                        buffers.Add(new BufferDecl($"_shortcutConvGradient{l.Number}", l.Out.Size, "float", true, $"layer {l.Number} gradient of the shortcut convolution output"));
                        buffers.Add(new BufferDecl($"_shortcutGradient{l.Number}", begin.In.Size, "float", true, $"layer {l.Number} gradient of x through the shortcut"));
                        if (begin.ProjectionStride != 1)
                        {
                            workspace = System.Math.Max(workspace, begin.In.Channels * l.Out.Height * l.Out.Width);
                        }

                        break;
                    }
                }
            }

            if (needsInputGradient)
            {
                buffers.Add(new BufferDecl("_g0", plan.Input.Size, "float", true, "gradient of the input (only batch normalisation at the input needs it)"));
            }

            buffers.Add(new BufferDecl("_labels", 1, "int", true, "labels of the last Loss call"));
            Parameters = parameters;
            States = states;
            WorkspaceSize = workspace;
            Classes = plan.Layers.Count > 0 ? plan.Layers[plan.Layers.Count - 1].In.Size : 0;
            FoldedRelus = plan.Layers.Where(l => IsFoldedRelu(plan, l)).Select(l => l.Number).ToArray();
            // The backward pass goes from a folded pool's output gradient straight to its ReLU's input gradient.
            var skippedGradients = new HashSet<string>(FoldedRelus.Select(n => plan.Layers[n - 1].OutputGradient).Where(g => g.Length > 0));
            Buffers = buffers.Where(b => !skippedGradients.Contains(b.Name)).ToArray();
            FoldedConvs = plan.Layers.Where(l => l.Kind == LayerKind.Conv && l.Number < plan.Layers.Count
                    && FoldedRelus.Contains(l.Number + 1) && plan.Layers[l.Number].InputBuffer == l.OutputBuffer && ReadOnlyBy(plan, l, plan.Layers[l.Number]))
                .Select(l => l.Number).ToArray();
            // A folded convolution that needs no input gradient (the first layer) takes its filter gradient straight from the
            // pool's output gradient, image by image: its own output gradient is never stored.
            FoldedBackwardConvs = FoldedConvs.Where(n => InputGradientFor(plan.Layers[n - 1]).Length == 0).ToArray();
            var unstored = new HashSet<string>(FoldedBackwardConvs.Select(n => plan.Layers[n - 1].OutputGradient).Where(g => g.Length > 0));
            Buffers = Buffers.Where(b => !unstored.Contains(b.Name)).ToArray();
            // A first-layer convolution, an activation and an average pool: the backward pass goes from the pool's output
            // gradient to the filter gradient image by image; neither the activation's nor the convolution's output gradient is stored.
            AvgPooledBackwardConvs = plan.Layers.Where(l => IsAvgPooledBackwardConv(plan, l)).Select(l => l.Number).ToArray();
            var avgPooled = new HashSet<string>(AvgPooledBackwardConvs
                .SelectMany(n => new[] { plan.Layers[n - 1].OutputGradient, plan.Layers[n].OutputGradient }).Where(g => g.Length > 0));
            Buffers = Buffers.Where(b => !avgPooled.Contains(b.Name)).ToArray();
            FusedConvRelus = plan.Layers.Where(l => IsFusedConvRelu(plan, l)).Select(l => l.Number).ToArray();
            UsesWorkspace = plan.Layers.Any(l => l.Kind == LayerKind.Conv || (l.Kind == LayerKind.ResidualEnd && HasProjection(plan, l)));
            TrainingSamplesAreIndependent = !plan.Layers.Any(l => l.Kind == LayerKind.BatchNorm || l.Kind == LayerKind.Dropout
                || (l.Kind == LayerKind.ResidualEnd && HasProjection(plan, l)));
            WholeBatchFrom = FirstWholeBatchLayer(plan);
            HasWholeBatchTail = WholeBatchFrom < plan.Layers.Count;
            ChunkAffineWeightBytes = plan.Layers.Take(WholeBatchFrom).Where(l => l.Kind == LayerKind.Affine).Sum(l => 4L * l.In.Size * l.Count);
        }

        /// <summary>Bytes of weights (float32) of the affine layers that run in the forward pass's chunks of samples (before
        /// <see cref="WholeBatchFrom"/>); each chunk reads them again.</summary>
        public long ChunkAffineWeightBytes { get; }

        /// <summary>Affine weights in the chunks up to which the chunks may be as small as <c>SampleChunks.MinSamplesSmallWeights</c>
        /// samples (half of a 1 MB L2: they stay there from chunk to chunk); above it, at least <c>SampleChunks.MinSamples</c>.
        /// LeNet-5 (0.24 MB), chunks of 8 against 16 in three comparisons: two threads 0.96-1.00x the time for a training step
        /// and 0.92-0.99x for batch-100 inference, one thread level (0.99-1.01x).</summary>
        public const long SmallChunkWeightBytes = 512 * 1024;

        /// <summary>Whether the chunks' affine weights are beyond <see cref="SmallChunkWeightBytes"/>.</summary>
        public bool ChunksHoldLargeWeights => ChunkAffineWeightBytes > SmallChunkWeightBytes;

        /// <summary>Weights (bytes, float32) from which an affine layer's forward pass takes the whole batch at once. A chunk of
        /// samples streams the layer's weights through the core once, so the four chunks of a batch of 100 stream them four
        /// times, from beyond L2 when they fill most of it; over the whole batch the product is cut by depth into fixed
        /// ranges, each of which stays in L2 while every row of the batch passes over it. SimpleConvNet's 1.7 MB <c>W2</c>,
        /// batch 100, the two forms taking turns: inference 13% faster on one thread and 11% on two, a training step 4% and
        /// 10%; SmallVgg's 1.0 MB layer: level (1%).</summary>
        public const long WholeBatchWeightBytes = 1L << 20;

        /// <summary>Index (in the plan's layers) of the first layer that a forward pass runs over the whole batch at once, after
        /// the layers before it have run in chunks of samples (<c>ForwardSamples</c>, then <c>ForwardWholeBatch</c>): the first
        /// affine layer with at least <see cref="WholeBatchWeightBytes"/> of weights, when only affine layers, activations
        /// and the loss follow it (a batch's samples stay independent there, and none of them fold into another layer).
        /// The layer count when every layer runs in chunks.</summary>
        public int WholeBatchFrom { get; }

        /// <summary>Whether some layers take the whole batch after the chunks (<see cref="WholeBatchFrom"/> is a layer).</summary>
        public bool HasWholeBatchTail { get; }

        private static int FirstWholeBatchLayer(NetworkPlan plan)
        {
            for (int i = 1; i < plan.Layers.Count; i++)
            {
                LayerPlan l = plan.Layers[i];
                if (l.Kind == LayerKind.Affine && 4 * l.In.Size * l.Count >= WholeBatchWeightBytes
                    && plan.Layers.Skip(i).All(t => t.Kind is LayerKind.Affine or LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.SoftmaxWithLoss))
                {
                    return i;
                }
            }

            return plan.Layers.Count;
        }

        /// <summary>Whether any kernel takes the im2col workspace (every convolution does, even a 1x1 one that needs none of it).</summary>
        public bool UsesWorkspace { get; }

        /// <summary>Whether a training pass's samples are independent in every layer, so it may be cut into chunks of samples
        /// as an inference pass always may: no batch normalisation (its statistics span the batch, a projection shortcut's
        /// included) and no dropout (its masks come from one generator, in sample order).</summary>
        public bool TrainingSamplesAreIndependent { get; }

        /// <summary>Numbers of the convolutions that every pass runs together with the ReLU right after them (one not folded
        /// into a max pool): <c>Conv2D.ForwardRelu</c> rectifies each image's output while it is in cache and writes only the
        /// ReLU's output; the convolution's own output is computed when asked for.</summary>
        public IReadOnlyList<int> FusedConvRelus { get; }

        /// <summary>Whether <paramref name="conv"/> is a convolution read only by a ReLU right after it, which is not folded
        /// into a max pool and writes a buffer of its own (the ReLU's backward pass needs only its own output).</summary>
        private bool IsFusedConvRelu(NetworkPlan plan, LayerPlan conv)
        {
            if (conv.Kind != LayerKind.Conv || conv.Number >= plan.Layers.Count) return false;
            LayerPlan relu = plan.Layers[conv.Number];
            return relu.Kind == LayerKind.Relu && !FoldedRelus.Contains(relu.Number) && relu.InputBuffer == conv.OutputBuffer
                && relu.OutputBuffer != conv.OutputBuffer && ReadOnlyBy(plan, conv, relu);
        }

        /// <summary>Numbers of the convolutions (first layers) followed by a ReLU, sigmoid or tanh and then an average pool, whose
        /// backward pass runs from the pool's output gradient in one kernel (<c>Conv2D.BackwardFilterThroughAvgPool</c>).</summary>
        public IReadOnlyList<int> AvgPooledBackwardConvs { get; }

        /// <summary>Whether <paramref name="conv"/> is a convolution that needs no input gradient, read only by an activation
        /// whose backward pass needs only its output, which is read only by an average pool.</summary>
        private bool IsAvgPooledBackwardConv(NetworkPlan plan, LayerPlan conv)
        {
            if (conv.Kind != LayerKind.Conv || conv.Number + 1 >= plan.Layers.Count || InputGradientFor(conv).Length > 0) return false;
            LayerPlan activation = plan.Layers[conv.Number], pool = plan.Layers[conv.Number + 1];
            return activation.Kind is LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh && pool.Kind == LayerKind.AvgPool
                && activation.InputBuffer == conv.OutputBuffer && pool.InputBuffer == activation.OutputBuffer
                && pool.OutputGradient.Length > 0 && ReadOnlyBy(plan, conv, activation) && ReadOnlyBy(plan, activation, pool);
        }

        /// <summary>Numbers of the folded convolutions (first layers) whose backward pass runs from the pool's output gradient
        /// in one kernel (<c>Conv2D.BackwardFilterThroughMaxPool</c>).</summary>
        public IReadOnlyList<int> FoldedBackwardConvs { get; }

        /// <summary>Numbers of the convolutions that an inference pass runs together with the folded ReLU and max pool after
        /// them, image by image (their output then never leaves the cache).</summary>
        public IReadOnlyList<int> FoldedConvs { get; }

        /// <summary>Numbers of the ReLU layers that an inference pass folds into the max pool right after them.</summary>
        public IReadOnlyList<int> FoldedRelus { get; }

        /// <summary>Whether <paramref name="relu"/> is a ReLU whose only reader is the max pool right after it: an inference
        /// pass then computes both in one kernel (max and ReLU commute) and leaves the ReLU's output and the pool's winner codes
        /// to be filled in on demand.</summary>
        private static bool IsFoldedRelu(NetworkPlan plan, LayerPlan relu)
        {
            if (relu.Kind != LayerKind.Relu || relu.Number >= plan.Layers.Count) return false;
            LayerPlan next = plan.Layers[relu.Number];
            if (next.Kind != LayerKind.MaxPool || next.InputBuffer != relu.OutputBuffer) return false;
            return ReadOnlyBy(plan, relu, next);
        }

        /// <summary>Whether <paramref name="reader"/> is the only layer that reads <paramref name="layer"/>'s output (a residual
        /// block's shortcut reads its begin layer's input).</summary>
        private static bool ReadOnlyBy(NetworkPlan plan, LayerPlan layer, LayerPlan reader) =>
            !plan.Layers.Any(l => l != reader && l.InputBuffer == layer.OutputBuffer)
            && !plan.Layers.Any(l => l.Kind == LayerKind.ResidualEnd && plan.Layers[l.BlockBegin - 1].InputBuffer == layer.OutputBuffer);

        public IReadOnlyList<ParameterDecl> Parameters { get; }

        public IReadOnlyList<StateDecl> States { get; }

        public IReadOnlyList<BufferDecl> Buffers { get; }

        /// <summary>Floats of one im2col workspace, shared by the convolutions of a pass in turn (a chunked pass has one per
        /// thread running chunks).</summary>
        public long WorkspaceSize { get; }

        /// <summary>Number of logits per sample.</summary>
        public long Classes { get; }

        public static bool HasProjection(NetworkPlan plan, LayerPlan end) =>
            end.Kind == LayerKind.ResidualEnd && plan.Layers[end.BlockBegin - 1].Projection;

        /// <summary>Whether <paramref name="layer"/>'s input is a ReLU's output, directly or through max pooling or dropout (both
        /// keep its zeros): values that are often mostly exactly zero, which an affine layer at small batches skips.</summary>
        public static bool InputIsRectified(NetworkPlan plan, LayerPlan layer)
        {
            for (int n = layer.Number - 1; n >= 1; n--)
            {
                switch (plan.Layers[n - 1].Kind)
                {
                    case LayerKind.Relu:
                        return true;
                    case LayerKind.MaxPool:
                    case LayerKind.Dropout:
                        continue;
                    default:
                        return false;
                }
            }

            return false;
        }

        /// <summary>The gradient buffer of the network input, or empty when no layer needs it.</summary>
        public string InputGradientFor(LayerPlan layer) =>
            layer.InputGradient.Length > 0 ? layer.InputGradient : Buffers.Any(b => b.Name == "_g0") && layer.Kind == LayerKind.BatchNorm ? "_g0" : string.Empty;

        private static void AddBatchNorm(List<ParameterDecl> parameters, List<StateDecl> states, int number, long channels)
        {
            parameters.Add(new ParameterDecl($"gamma{number}", new[] { channels }, "Scale", channels, channels, "Ones"));
            parameters.Add(new ParameterDecl($"beta{number}", new[] { channels }, "Shift", channels, channels, "Zeros"));
            states.Add(new StateDecl($"running_mean{number}", channels, 0f));
            states.Add(new StateDecl($"running_var{number}", channels, 1f));
        }
    }
}
