using CnnGen.Generator.Model;
using static CnnGen.Generator.Emit.Format;

namespace CnnGen.Generator.Emit
{
    /// <summary>Writes each layer's forward and backward step: one commented call into the runtime kernels, with literal shapes.</summary>
    internal static class LayerEmitter
    {
        private const string K = "global::CnnGen.Kernels.";

        /// <summary>The static geometry a convolution or pooling layer passes to its kernel (the JIT sees constants).</summary>
        public static void Geometry(CodeWriter w, NetworkPlan plan, LayerPlan l)
        {
            switch (l.Kind)
            {
                case LayerKind.Conv:
                case LayerKind.MaxPool:
                case LayerKind.AvgPool:
                    w.Line($"private static readonly {K}ConvGeometry {GeometryName(l)} = new({N(l.In.Channels)}, {N(l.In.Height)}, {N(l.In.Width)}, {N(l.Out.Channels)}, {N(l.Size)}, {N(l.Stride)}, {N(l.Pad)});");
                    break;
                case LayerKind.ResidualEnd when NetworkLayout.HasProjection(plan, l):
                {
                    LayerPlan begin = plan.Layers[l.BlockBegin - 1];
                    w.Line($"private static readonly {K}ConvGeometry Shortcut{l.Number} = new({N(begin.In.Channels)}, {N(begin.In.Height)}, {N(begin.In.Width)}, {N(l.Out.Channels)}, 1, {N(begin.ProjectionStride)}, 0);");
                    break;
                }
            }
        }

        public static string Header(LayerPlan l) => $"// Layer {l.Number}: {l.Description}  {l.In} -> {l.Out}";

        /// <summary>The algorithms of a convolution's backward step, as the runtime picks them on AVX-512.</summary>
        private static string BackwardAlgorithm(LayerPlan conv, bool inputGradient) =>
            Planning.ConvAlgorithmChoice.BackwardOnAvx512(conv.In.Channels, conv.In.Height, conv.In.Width, conv.Count, conv.Size, conv.Stride, conv.Pad,
                conv.Out.Height, conv.Out.Width, inputGradient);

        /// <summary>The kernel of a ReLU layer folded into the max pool after it: the pooled output, with the winner codes when
        /// <paramref name="winners"/> (training), never the ReLU's own output.</summary>
        public static string FoldedCall(LayerPlan relu, LayerPlan pool, bool winners, SampleSpans s) =>
            $"{K}Pooling.MaxReluForward(in {GeometryName(pool)}, batch, {s.Of(relu.InputBuffer, relu.In.Size)}, {s.Of(pool.OutputBuffer, pool.Out.Size)}" +
            (winners ? $", {s.Of(Winners(pool), pool.Out.Size)});" : ");");

        /// <summary>The buffer of a max pool's winner codes.</summary>
        public static string Winners(LayerPlan pool) => $"_winners{pool.Number}";

        /// <summary>The kernel of a convolution fused with the ReLU after it: only the ReLU's output is written.</summary>
        public static string FusedConvReluCall(LayerPlan conv, LayerPlan relu, SampleSpans s) =>
            $"{K}Conv2D.ForwardRelu(in {GeometryName(conv)}, batch, {s.Of(conv.InputBuffer, conv.In.Size)}, W{conv.ParameterNumber}.Values, {(conv.Bias ? $"b{conv.ParameterNumber}.Values" : "default")}, {s.Of(relu.OutputBuffer, relu.Out.Size)}, {s.Workspace});";

        /// <summary>The one-pass kernel of a convolution with the ReLU and max pool after it folded in (with the pool's winner
        /// codes for a training pass).</summary>
        public static string FoldedConvCall(LayerPlan conv, LayerPlan pool, bool winners, SampleSpans s) =>
            $"{K}Conv2D.ForwardReluMaxPool(in {GeometryName(conv)}, in {GeometryName(pool)}, batch, {s.Of(conv.InputBuffer, conv.In.Size)}, W{conv.ParameterNumber}.Values, {(conv.Bias ? $"b{conv.ParameterNumber}.Values" : "default")}, {s.Of(pool.OutputBuffer, pool.Out.Size)}, " +
            (winners ? $"{s.Of(Winners(pool), pool.Out.Size)}, {s.Workspace});" : s.Workspace + ");");

        /// <summary>The backward step of a first-layer convolution with the ReLU and max pool after it folded in: the filter
        /// gradient made image by image from the pool's output gradient (the convolution's output gradient is never stored).</summary>
        public static void FoldedConvBackward(CodeWriter w, LayerPlan conv, LayerPlan relu, LayerPlan pool)
        {
            int p = conv.ParameterNumber;
            w.Line(Header(pool));
            w.Line(Header(relu));
            string algorithm = Planning.ConvAlgorithmChoice.FilterGradientThroughMaxPoolOnAvx512(conv.In.Channels, conv.In.Height, conv.In.Width,
                conv.Count, conv.Size, conv.Stride, conv.Pad, conv.Out.Height, conv.Out.Width);
            w.Line(Header(conv) + "   (first layer: no input gradient)   [filter gradient: " + algorithm + " on AVX-512]");
            w.Line("// One pass from the pool's output gradient (a window's gradient goes to its winner, the input that was its maximum,");
            w.Line("// when that maximum is positive): each window that passes one adds it times its input patch, or each image's");
            w.Line("// convolution-output gradient is made in cache and used at once; the batch's is never written.");
            w.Line($"{K}Conv2D.BackwardFilterThroughMaxPool(in {GeometryName(conv)}, in {GeometryName(pool)}, batch, {Span(conv.InputBuffer, conv.In.Size)}, " +
                $"{Span(pool.OutputGradient, pool.Out.Size)}, {Span(Winners(pool), pool.Out.Size)}, " +
                $"W{p}.Gradients, {(conv.Bias ? $"b{p}.Gradients" : "default")}, _columns);");
        }

        /// <summary>The backward step of a first-layer convolution, the activation after it and the average pool after that, in
        /// one pass from the pool's output gradient (neither the activation's nor the convolution's output gradient is stored).</summary>
        public static void AvgPooledConvBackward(CodeWriter w, LayerPlan conv, LayerPlan activation, LayerPlan pool)
        {
            int p = conv.ParameterNumber;
            w.Line(Header(pool));
            w.Line(Header(activation));
            w.Line(Header(conv) + "   (first layer: no input gradient)   " + BackwardAlgorithm(conv, inputGradient: false));
            w.Line($"// One pass: each image's convolution-output gradient is made in cache (the pool's gradient spread over its windows,");
            w.Line($"// then through the {activation.Kind.ToString().ToLowerInvariant()} on its output) and used at once; the batch's is never written.");
            w.Line($"{K}Conv2D.BackwardFilterThroughAvgPool(in {GeometryName(conv)}, in {GeometryName(pool)}, {K}Activation.{activation.Kind}, batch, " +
                $"{Span(conv.InputBuffer, conv.In.Size)}, {Span(pool.OutputGradient, pool.Out.Size)}, {Span(activation.OutputBuffer, activation.Out.Size)}, " +
                $"W{p}.Gradients, {(conv.Bias ? $"b{p}.Gradients" : "default")}, _columns);");
        }

        /// <summary>The backward step of a max pool and the ReLU before it, in one pass (the ReLU's output gradient is skipped).</summary>
        public static void FoldedBackward(CodeWriter w, NetworkLayout layout, LayerPlan relu, LayerPlan pool)
        {
            string inputGradient = layout.InputGradientFor(relu);
            w.Line(Header(pool));
            w.Line(Header(relu) + (inputGradient.Length == 0 ? "   (first layer: nothing to propagate)" : string.Empty));
            if (inputGradient.Length == 0) return;
            w.Line($"// Both in one pass: a window's gradient goes to its winner when the window's maximum is positive (the ReLU let it");
            w.Line($"// through; the forward pass recorded no winner otherwise).");
            w.Line($"{K}Pooling.MaxBackward(in {GeometryName(pool)}, batch, {Span(pool.OutputGradient, pool.Out.Size)}, {Span(Winners(pool), pool.Out.Size)}, {Span(inputGradient, relu.In.Size)});");
        }

        /// <summary>A layer's forward step; <paramref name="header"/> false leaves out its comment line (the caller wrote it).</summary>
        public static void Forward(CodeWriter w, NetworkPlan plan, LayerPlan l, SampleSpans s, bool header = true)
        {
            string x = s.Of(l.InputBuffer, l.In.Size);
            string y = s.Of(l.OutputBuffer, l.Out.Size);
            switch (l.Kind)
            {
                case LayerKind.Conv:
                    if (header) w.Line(Header(l) + "   [" + l.Algorithm + "]");
                    w.Line($"{K}Conv2D.Forward(in {GeometryName(l)}, batch, {x}, W{l.ParameterNumber}.Values, {(l.Bias ? $"b{l.ParameterNumber}.Values" : "default")}, {y}, {s.Workspace});");
                    break;
                case LayerKind.MaxPool:
                    if (header) w.Line(Header(l));
                    w.Line($"{K}Pooling.MaxForward(in {GeometryName(l)}, batch, {x}, {y}, {s.Of(Winners(l), l.Out.Size)});");
                    break;
                case LayerKind.AvgPool:
                    if (header) w.Line(Header(l));
                    w.Line($"{K}Pooling.AvgForward(in {GeometryName(l)}, batch, {x}, {y});");
                    break;
                case LayerKind.GlobalAvgPool:
                    if (header) w.Line(Header(l));
                    w.Line($"{K}Pooling.GlobalAvgForward(batch, {N(l.In.Channels)}, {N(l.In.Height * l.In.Width)}, {x}, {y});");
                    break;
                case LayerKind.Relu:
                case LayerKind.Sigmoid:
                case LayerKind.Tanh:
                    if (header) w.Line(Header(l));
                    w.Line($"{K}Activations.{l.Kind}Forward({x}, {y});");
                    break;
                case LayerKind.Affine:
                {
                    bool rectified = NetworkLayout.InputIsRectified(plan, l);
                    if (header)
                    {
                        w.Line(Header(l) + (l.In.IsFlat ? string.Empty : $"   (flattens {l.In} in C, H, W order)"));
                        if (rectified) w.Line("// The input is a ReLU's (often mostly zeros): rows of W behind inputs that are zero may be skipped (same values).");
                    }

                    string forward = rectified ? "ForwardSkippingZeros" : "Forward";
                    w.Line($"if (_compactW{l.ParameterNumber} is not null && !IsTraining && batch < {K}CompactDense.MaxBatch) {K}CompactDense.{forward}(batch, {x}, _compactW{l.ParameterNumber}, b{l.ParameterNumber}.Values, {y});");
                    w.Line($"else {K}Dense.{forward}(batch, {N(l.In.Size)}, {N(l.Count)}, {x}, W{l.ParameterNumber}.Values, b{l.ParameterNumber}.Values, {y});");
                    break;
                }
                case LayerKind.Dropout:
                    if (header) w.Line(Header(l) + "   (identity in inference mode)");
                    w.Line($"if (IsTraining) {K}Dropout.Forward({Float(l.Rate)}, ref _random, {x}, {y}, {s.Of($"_mask{l.Number}", l.Out.Size)});");
                    w.Line($"else {x}.CopyTo({y});");
                    break;
                case LayerKind.BatchNorm:
                    if (header) w.Line(Header(l) + "   (batch statistics when training, running averages otherwise)");
                    BatchNormForward(w, s, l.ParameterNumber, l.In, x, y, $"_xhat{l.Number}", $"_invStd{l.Number}", l.Momentum, l.Epsilon);
                    break;
                case LayerKind.ResidualBegin:
                    if (header) w.Line(Header(l) + $"   (x stays in {l.InputBuffer} for the shortcut)");
                    break;
                case LayerKind.ResidualEnd:
                {
                    LayerPlan begin = plan.Layers[l.BlockBegin - 1];
                    string shortcut = s.Of(begin.InputBuffer, begin.In.Size);
                    if (header) w.Line(Header(l));
                    if (NetworkLayout.HasProjection(plan, l))
                    {
                        string conv = s.Of($"_shortcut{l.Number}", l.Out.Size);
                        string norm = s.Of($"_shortcutNorm{l.Number}", l.Out.Size);
                        w.Line($"{K}Conv2D.Forward(in Shortcut{l.Number}, batch, {shortcut}, W{begin.ProjectionParameterNumber}.Values, default, {conv}, {s.Workspace});");
                        BatchNormForward(w, s, begin.ProjectionParameterNumber + 1, l.Out, conv, norm, $"_shortcutXHat{l.Number}", $"_shortcutInvStd{l.Number}", 0.9, 1e-5);
                        shortcut = norm;
                    }

                    w.Line($"{K}Residual.Add({x}, {shortcut}, {y});");
                    break;
                }

                case LayerKind.SoftmaxWithLoss:
                    if (header) w.Line(Header(l) + "   (applied by Loss and Predict; Forward returns the logits)");
                    break;
            }
        }

        public static void Backward(CodeWriter w, NetworkPlan plan, NetworkLayout layout, LayerPlan l)
        {
            string x = Span(l.InputBuffer, l.In.Size);
            string y = Span(l.OutputBuffer, l.Out.Size);
            string dy = l.OutputGradient.Length > 0 ? Span(l.OutputGradient, l.Out.Size) : string.Empty;
            string inputGradient = layout.InputGradientFor(l);
            string dx = inputGradient.Length > 0 ? Span(inputGradient, l.In.Size) : string.Empty;
            string p = N(l.ParameterNumber);
            switch (l.Kind)
            {
                case LayerKind.SoftmaxWithLoss:
                    w.Line(Header(l) + "   dL/dlogits = (p - onehot(t)) / N");
                    w.Line($"{K}SoftmaxCrossEntropy.Backward(batch, {N(l.In.Size)}, {y}, _labels.AsSpan(0, batch), {dx});");
                    break;
                case LayerKind.Affine:
                    w.Line(Header(l) + (dx.Length == 0 ? "   (first layer: no input gradient)" : string.Empty));
                    w.Line($"{K}Dense.Backward(batch, {N(l.In.Size)}, {N(l.Count)}, {x}, W{p}.Values, {dy}, W{p}.Gradients, b{p}.Gradients, {(dx.Length > 0 ? dx : "default")});");
                    break;
                case LayerKind.Conv:
                    w.Line(Header(l) + (dx.Length == 0 ? "   (first layer: no input gradient)" : string.Empty) + "   " + BackwardAlgorithm(l, dx.Length > 0));
                    w.Line($"{K}Conv2D.BackwardFilter(in {GeometryName(l)}, batch, {x}, {dy}, W{p}.Gradients, {(l.Bias ? $"b{p}.Gradients" : "default")}, _columns);");
                    if (dx.Length > 0)
                    {
                        w.Line($"{K}Conv2D.BackwardData(in {GeometryName(l)}, batch, {dy}, W{p}.Values, {dx}, _columns);");
                    }

                    break;
                case LayerKind.BatchNorm:
                    w.Line(Header(l));
                    w.Line($"{K}BatchNorm.Backward(batch, {N(l.In.Channels)}, {N(l.In.Height * l.In.Width)}, {dy}, {Span($"_xhat{l.Number}", l.In.Size)}, _invStd{l.Number}, gamma{p}.Values, gamma{p}.Gradients, beta{p}.Gradients, {dx});");
                    break;
                case LayerKind.ResidualEnd:
                {
                    LayerPlan begin = plan.Layers[l.BlockBegin - 1];
                    w.Line(Header(l) + "   (the gradient flows unchanged into F and into the shortcut)");
                    w.Line($"{dy}.CopyTo({dx});");
                    if (NetworkLayout.HasProjection(plan, l))
                    {
                        int q = begin.ProjectionParameterNumber;
                        string convGradient = Span($"_shortcutConvGradient{l.Number}", l.Out.Size);
                        w.Line($"{K}BatchNorm.Backward(batch, {N(l.Out.Channels)}, {N(l.Out.Height * l.Out.Width)}, {dy}, {Span($"_shortcutXHat{l.Number}", l.Out.Size)}, _shortcutInvStd{l.Number}, gamma{q + 1}.Values, gamma{q + 1}.Gradients, beta{q + 1}.Gradients, {convGradient});");
                        w.Line($"{K}Conv2D.BackwardFilter(in Shortcut{l.Number}, batch, {Span(begin.InputBuffer, begin.In.Size)}, {convGradient}, W{q}.Gradients, default, _columns);");
                        if (begin.InputGradient.Length > 0)
                        {
                            w.Line($"{K}Conv2D.BackwardData(in Shortcut{l.Number}, batch, {convGradient}, W{q}.Values, {Span($"_shortcutGradient{l.Number}", begin.In.Size)}, _columns);");
                        }
                    }

                    break;
                }

                default:
                    if (dx.Length == 0)
                    {
                        w.Line(Header(l) + "   (first layer: nothing to propagate)");
                        break;
                    }

                    w.Line(Header(l));
                    switch (l.Kind)
                    {
                        case LayerKind.Relu:
                        case LayerKind.Sigmoid:
                        case LayerKind.Tanh:
                            w.Line($"{K}Activations.{l.Kind}Backward({y}, {dy}, {dx});");
                            break;
                        case LayerKind.MaxPool:
                            w.Line($"{K}Pooling.MaxBackward(in {GeometryName(l)}, batch, {dy}, {Span(Winners(l), l.Out.Size)}, {dx});");
                            break;
                        case LayerKind.AvgPool:
                            w.Line($"{K}Pooling.AvgBackward(in {GeometryName(l)}, batch, {dy}, {dx});");
                            break;
                        case LayerKind.GlobalAvgPool:
                            w.Line($"{K}Pooling.GlobalAvgBackward(batch, {N(l.In.Channels)}, {N(l.In.Height * l.In.Width)}, {dy}, {dx});");
                            break;
                        case LayerKind.Dropout:
                            w.Line($"if (IsTraining) {K}Dropout.Backward({Span($"_mask{l.Number}", l.Out.Size)}, {dy}, {dx});");
                            w.Line($"else {dy}.CopyTo({dx});");
                            break;
                        case LayerKind.ResidualBegin:
                        {
                            LayerPlan end = plan.Layers[l.BlockBegin - 1];
                            string shortcutGradient = l.Projection ? Span($"_shortcutGradient{end.Number}", l.In.Size) : Span(end.OutputGradient, end.Out.Size);
                            w.Line($"{K}Residual.Add({dy}, {shortcutGradient}, {dx});   // dL/dx = through F + through the shortcut");
                            break;
                        }
                    }

                    break;
            }
        }

        private static void BatchNormForward(CodeWriter w, SampleSpans spans, int number, Shape shape, string x, string y, string xhat, string invStd, double momentum, double epsilon)
        {
            string c = N(shape.Channels), s = N(shape.Height * shape.Width);
            w.Line($"if (IsTraining) {K}BatchNorm.ForwardTraining(batch, {c}, {s}, {Float(momentum)}, {Float(epsilon)}, {x}, gamma{number}.Values, beta{number}.Values, running_mean{number}.Values, running_var{number}.Values, {spans.Of(xhat, shape.Size)}, {invStd}, {y});");
            w.Line($"else {K}BatchNorm.ForwardInference(batch, {c}, {s}, {Float(epsilon)}, {x}, gamma{number}.Values, beta{number}.Values, running_mean{number}.Values, running_var{number}.Values, {y});");
        }

        public static string GeometryName(LayerPlan l) => l.Kind == LayerKind.Conv ? $"Conv{l.Number}" : $"Pool{l.Number}";
    }
}
