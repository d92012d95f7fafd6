using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Planning
{
    /// <summary>
    /// Pure shape inference: <see cref="NetworkSpec"/> in, <see cref="NetworkPlan"/> and diagnostics out.
    /// No Roslyn types; every output size comes from <see cref="ShapeMath.OutputSize"/>. Stops at the first
    /// error so the user sees one clear message, not a cascade.
    /// </summary>
    internal static class ShapeInference
    {
        /// <summary>Largest number of floats in any one buffer per sample or parameter (spans are int-indexed).</summary>
        private const long MaxElements = int.MaxValue / 4;

        public static PlanResult Infer(NetworkSpec spec)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var layers = new List<LayerPlan>();
            bool valid = spec.ClassIsValid && spec.AttributesAreValid && Plan(spec, layers, diagnostics);
            long parameters = 0, flops = 0;
            foreach (LayerPlan layer in layers)
            {
                parameters += layer.ParameterCount;
                flops += layer.Flops;
            }

            string canonical = Canonical(spec);
            Shape input = spec.Input is { } i ? new Shape(i.Channels, i.Height, i.Width) : new Shape(0, 0, 0);
            var plan = new NetworkPlan(spec.Namespace, spec.ClassName, spec.Accessibility, spec.ContainingTypes, input,
                valid ? layers.ToEquatableArray() : EquatableArray<LayerPlan>.Empty, valid ? parameters : 0, valid ? flops : 0,
                canonical, Fnv1a(canonical), valid, spec.ClassIsValid);
            return new PlanResult(plan, diagnostics.ToEquatableArray());
        }

        private static bool Plan(NetworkSpec spec, List<LayerPlan> layers, List<DiagnosticInfo> diagnostics)
        {
            if (spec.Input is not { } input)
            {
                diagnostics.Add(new DiagnosticInfo("CNN003", spec.ClassLocation,
                    $"network '{spec.ClassName}' has no [Input(channels, height, width)]; add one, e.g. [Input(1, 28, 28)] for MNIST"));
                return false;
            }

            if (input.Channels < 1 || input.Height < 1 || input.Width < 1)
            {
                diagnostics.Add(new DiagnosticInfo("CNN003", input.Location,
                    $"Input({input.Channels}, {input.Height}, {input.Width}): every dimension must be at least 1"));
                return false;
            }

            var current = new Shape(input.Channels, input.Height, input.Width);
            if (TooLarge(current))
            {
                diagnostics.Add(new DiagnosticInfo("CNN013", input.Location,
                    $"Input({input.Channels}, {input.Height}, {input.Width}) has {Mul(Mul(input.Channels, input.Height), input.Width)} values per sample; CnnGen supports at most {MaxElements} per buffer"));
                return false;
            }

            bool flat = false;
            int parameterNumber = 0;
            int openBlock = -1; // index into layers of the open [Residual], or -1
            string inputBuffer = "_input";
            string inputGradient = string.Empty; // the network input needs no gradient
            int softmaxCount = 0;
            EquatableArray<LayerSpec> specs = spec.Layers;
            for (int index = 0; index < specs.Count; index++)
            {
                LayerSpec layer = specs[index];
                int number = index + 1;
                if (softmaxCount > 0)
                {
                    LayerSpec softmax = FindSoftmax(specs);
                    diagnostics.Add(new DiagnosticInfo("CNN005", layer.Kind == LayerKind.SoftmaxWithLoss ? layer.Location : softmax.Location,
                        layer.Kind == LayerKind.SoftmaxWithLoss
                            ? $"{layer.SourceText} appears more than once; a network has exactly one SoftmaxWithLoss, as its last layer"
                            : $"{softmax.SourceText} is followed by {layer.SourceText}; SoftmaxWithLoss must be the last layer"));
                    return false;
                }

                string? rangeError = RangeError(layer);
                if (rangeError is not null)
                {
                    diagnostics.Add(new DiagnosticInfo("CNN006", layer.Location, $"{layer.SourceText}: {rangeError}"));
                    return false;
                }

                bool spatial = layer.Kind is LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool or LayerKind.GlobalAvgPool;
                if (spatial && flat)
                {
                    diagnostics.Add(new DiagnosticInfo("CNN008", layer.Location,
                        $"{layer.SourceText} follows an Affine layer, where the data is flat ({current.Channels} features, no height or width); put convolutions and pooling before the first Affine"));
                    return false;
                }

                Shape output = current;
                long parameters = 0, flops = 0;
                string description;
                string algorithm = string.Empty;
                int blockPartner = -1;
                int layerParameterNumber = 0;
                long projectionStride = 0;
                int projectionNumber = 0;
                string outputBuffer = $"_a{number}";
                string outputGradient = $"_g{number}";
                switch (layer.Kind)
                {
                    case LayerKind.Conv:
                    case LayerKind.MaxPool:
                    case LayerKind.AvgPool:
                    {
                        long oh = ShapeMath.OutputSize(current.Height, layer.Size, layer.Stride, layer.Pad);
                        long ow = ShapeMath.OutputSize(current.Width, layer.Size, layer.Stride, layer.Pad);
                        if (oh < 1 || ow < 1)
                        {
                            bool height = oh < 1;
                            long n = height ? current.Height : current.Width;
                            long value = height ? oh : ow;
                            long neededPad = (layer.Size - n + 1) / 2;
                            diagnostics.Add(new DiagnosticInfo("CNN001", layer.Location,
                                $"{layer.SourceText} on input {current}: output {(height ? "height" : "width")} ({n} - {layer.Size} + 2*{layer.Pad})/{layer.Stride} + 1 = {value} is below 1; use Pad >= {Math.Max(neededPad, layer.Pad + 1)} or a {(layer.Kind == LayerKind.Conv ? "kernel" : "window")} of at most {n + 2 * layer.Pad}"));
                            return false;
                        }

                        long channels = layer.Kind == LayerKind.Conv ? layer.Count : current.Channels;
                        output = new Shape(channels, oh, ow);
                        ReportTiling(layer, current, output, diagnostics);
                        if (layer.Pad >= layer.Size)
                        {
                            diagnostics.Add(new DiagnosticInfo("CNN010", layer.Location,
                                $"{layer.SourceText}: Pad = {layer.Pad} is at least the {(layer.Kind == LayerKind.Conv ? "kernel" : "window")} size {layer.Size}, so the border outputs see only padding; use Pad <= {layer.Size - 1}"));
                        }

                        string window = $"{layer.Size}x{layer.Size} s{layer.Stride}" + (layer.Pad != 0 || layer.Kind == LayerKind.Conv ? $" p{layer.Pad}" : string.Empty);
                        if (layer.Kind == LayerKind.Conv)
                        {
                            layerParameterNumber = ++parameterNumber;
                            long weights = Mul(Mul(layer.Count, current.Channels), Mul(layer.Size, layer.Size));
                            parameters = weights + (layer.Bias ? layer.Count : 0);
                            flops = Mul(2 * Mul(current.Channels, Mul(layer.Size, layer.Size)), output.Size);
                            description = $"Conv {layer.Count} {window}" + (layer.Bias ? string.Empty : " no bias");
                            string forward = ConvAlgorithmChoice.ForwardOnAvx512(current.Channels, current.Height, current.Width, layer.Count,
                                layer.Size, layer.Stride, layer.Pad, output.Height, output.Width);
                            long patch = current.Channels * layer.Size * layer.Size;
                            algorithm = forward == "im2col + GEMM"
                                ? $"im2col + GEMM: {layer.Count}x{patch} * {patch}x{output.Height * output.Width} per image"
                                : forward == "pointwise GEMM"
                                    ? $"pointwise GEMM: {layer.Count}x{patch} * {patch}x{output.Height * output.Width} per image, no unfold"
                                    : $"{forward} on AVX-512, else im2col + GEMM {layer.Count}x{patch} * {patch}x{output.Height * output.Width}";
                            if (weights > MaxElements || TooLarge(output) || Mul(current.Channels * layer.Size * layer.Size, output.Height * output.Width) > MaxElements)
                            {
                                diagnostics.Add(TooLargeError(layer, output));
                                return false;
                            }
                        }
                        else
                        {
                            description = (layer.Kind == LayerKind.MaxPool ? "MaxPool " : "AvgPool ") + window;
                        }

                        break;
                    }

                    case LayerKind.GlobalAvgPool:
                        output = new Shape(current.Channels, 1, 1);
                        description = "GlobalAvgPool";
                        break;

                    case LayerKind.Relu:
                    case LayerKind.Sigmoid:
                    case LayerKind.Tanh:
                        description = layer.Kind.ToString();
                        break;

                    case LayerKind.Affine:
                    {
                        layerParameterNumber = ++parameterNumber;
                        output = new Shape(layer.Count, 1, 1);
                        long weights = Mul(current.Size, layer.Count);
                        parameters = weights + layer.Count;
                        flops = 2 * weights;
                        description = $"Affine {layer.Count}";
                        flat = true;
                        if (weights > MaxElements || TooLarge(output))
                        {
                            diagnostics.Add(TooLargeError(layer, output));
                            return false;
                        }

                        break;
                    }

                    case LayerKind.Dropout:
                        description = "Dropout " + layer.Rate.ToString("0.###", CultureInfo.InvariantCulture);
                        break;

                    case LayerKind.BatchNorm:
                        layerParameterNumber = ++parameterNumber;
                        parameters = 2 * current.Channels;
                        description = current.IsFlat ? "BatchNorm (per feature)" : "BatchNorm (per channel)";
                        break;

                    case LayerKind.ResidualBegin:
                        if (openBlock >= 0)
                        {
                            diagnostics.Add(new DiagnosticInfo("CNN012", layer.Location,
                                $"{layer.SourceText} opens a residual block inside the block opened at layer {layers[openBlock].Number}; close that one with [EndResidual] first (blocks do not nest)"));
                            return false;
                        }

                        openBlock = layers.Count;
                        outputBuffer = inputBuffer;
                        description = layer.Projection ? "Residual (projection shortcut)" : "Residual (identity shortcut)";
                        break;

                    case LayerKind.ResidualEnd:
                    {
                        if (openBlock < 0)
                        {
                            diagnostics.Add(new DiagnosticInfo("CNN012", layer.Location,
                                $"{layer.SourceText} closes a residual block that was never opened; add [Residual] before the block's first layer"));
                            return false;
                        }

                        LayerPlan begin = layers[openBlock];
                        Shape x = begin.In;
                        blockPartner = begin.Number;
                        if (!begin.Projection)
                        {
                            if (x != current)
                            {
                                diagnostics.Add(new DiagnosticInfo("CNN011", layer.Location,
                                    $"residual block from layer {begin.Number} to {number}: F(x) is {current} but x is {x}, so F(x) + x is undefined; use [Residual(Projection = true)] for a 1x1 convolution shortcut, or keep the shape inside the block"));
                                return false;
                            }

                            description = "EndResidual: F(x) + x";
                            layers[openBlock] = begin with { BlockBegin = number };
                        }
                        else
                        {
                            long s = ProjectionStride(x, current);
                            if (s == 0)
                            {
                                diagnostics.Add(new DiagnosticInfo("CNN011", layer.Location,
                                    $"residual block from layer {begin.Number} to {number}: F(x) is {current} but x is {x}, and no 1x1 convolution stride maps {x.Height}x{x.Width} to {current.Height}x{current.Width}; make the block's strides reduce height and width by the same whole factor"));
                                return false;
                            }

                            projectionStride = s;
                            projectionNumber = parameterNumber + 1;
                            parameterNumber += 2; // the shortcut's convolution and its batch normalisation
                            parameters = Mul(x.Channels, current.Channels) + 2 * current.Channels;
                            flops = Mul(2 * x.Channels, current.Size);
                            description = $"EndResidual: F(x) + BN(Conv 1x1 s{s}(x))";
                            layers[openBlock] = begin with { BlockBegin = number, ProjectionStride = s, ProjectionParameterNumber = projectionNumber };
                        }

                        openBlock = -1;
                        break;
                    }

                    case LayerKind.SoftmaxWithLoss:
                        if (openBlock >= 0)
                        {
                            diagnostics.Add(new DiagnosticInfo("CNN012", specs[openBlock].Location,
                                $"{specs[openBlock].SourceText} opens a residual block that is never closed; add [EndResidual] after the block's last layer"));
                            return false;
                        }

                        softmaxCount++;
                        outputBuffer = "_probabilities";
                        outputGradient = string.Empty;
                        description = "SoftmaxWithLoss";
                        break;

                    default:
                        description = layer.Kind.ToString();
                        break;
                }

                layers.Add(new LayerPlan(number, layer.Kind, description, layer.SourceText, current, output, layer.Count, layer.Size,
                    layer.Stride, layer.Pad, layer.Bias, layer.Rate, layer.Momentum, layer.Epsilon, layerParameterNumber, parameters, flops,
                    inputBuffer, outputBuffer, inputGradient, outputGradient, blockPartner, layer.Projection, projectionStride,
                    projectionNumber, algorithm, string.Empty));
                current = output;
                inputBuffer = outputBuffer;
                inputGradient = outputGradient;
            }

            if (openBlock >= 0)
            {
                diagnostics.Add(new DiagnosticInfo("CNN012", specs[openBlock].Location,
                    $"{specs[openBlock].SourceText} opens a residual block that is never closed; add [EndResidual] after the block's last layer"));
                return false;
            }

            if (softmaxCount == 0)
            {
                diagnostics.Add(new DiagnosticInfo("CNN009", spec.ClassLocation,
                    $"network '{spec.ClassName}' does not end with [SoftmaxWithLoss]; add it as the last layer (it gives the loss for training; Forward still returns the logits)"));
                return false;
            }

            AssignInitialisation(layers);
            return true;
        }

        private static void ReportTiling(LayerSpec layer, Shape input, Shape output, List<DiagnosticInfo> diagnostics)
        {
            long rh = ShapeMath.Remainder(input.Height, layer.Size, layer.Stride, layer.Pad);
            long rw = ShapeMath.Remainder(input.Width, layer.Size, layer.Stride, layer.Pad);
            if (rh == 0 && rw == 0)
            {
                return;
            }

            bool height = rh != 0;
            long n = height ? input.Height : input.Width;
            long r = height ? rh : rw;
            diagnostics.Add(new DiagnosticInfo("CNN002", layer.Location,
                $"{layer.SourceText} on input {input}: ({n} - {layer.Size} + 2*{layer.Pad}) mod {layer.Stride} = {r}, so the last {r} padded {(height ? "rows" : "columns")}{(r <= layer.Pad ? " (padding only)" : string.Empty)} are never read (output {output.Height}x{output.Width}); choose Pad and Stride so that (N - F + 2P) is a multiple of S"));
        }

        /// <summary>The smallest stride with which a 1x1 convolution maps x's height and width onto F(x)'s, or 0 if none does.</summary>
        private static long ProjectionStride(Shape x, Shape fx)
        {
            for (long s = 1; s <= Math.Max(x.Height, x.Width); s++)
            {
                if (ShapeMath.OutputSize(x.Height, 1, s, 0) == fx.Height && ShapeMath.OutputSize(x.Width, 1, s, 0) == fx.Width)
                {
                    return s;
                }
            }

            return 0;
        }

        /// <summary>The largest max-pooling window (the runtime's <c>Pooling.MaxWindow</c>): its winner codes fit in a byte.</summary>
        public const int MaxPoolWindow = 15;

        private static string? RangeError(LayerSpec layer)
        {
            switch (layer.Kind)
            {
                case LayerKind.Conv:
                    if (layer.Count < 1) return $"filters = {layer.Count}, but a convolution needs at least 1 filter";
                    if (layer.Size < 1) return $"size = {layer.Size}, but the kernel must be at least 1x1";
                    if (layer.Stride < 1) return $"Stride = {layer.Stride}, but the stride must be at least 1";
                    if (layer.Pad < 0) return $"Pad = {layer.Pad}, but padding cannot be negative";
                    return null;
                case LayerKind.MaxPool:
                case LayerKind.AvgPool:
                    if (layer.Size < 1) return $"size = {layer.Size}, but the window must be at least 1x1";
                    if (layer.Kind == LayerKind.MaxPool && layer.Size > MaxPoolWindow)
                    {
                        return $"size = {layer.Size}, but a max pool's window is at most {MaxPoolWindow}x{MaxPoolWindow} (each window records which of its " +
                            $"inputs won in one byte, for the backward pass); use AvgPool or GlobalAvgPool, or two smaller max pools";
                    }

                    if (layer.Stride < 1) return $"Stride = {layer.Stride}, but the stride must be at least 1 (leave it out to use the window size)";
                    if (layer.Pad < 0) return $"Pad = {layer.Pad}, but padding cannot be negative";
                    return null;
                case LayerKind.Affine:
                    return layer.Count < 1 ? $"units = {layer.Count}, but an Affine layer needs at least 1 output" : null;
                case LayerKind.Dropout:
                    return layer.Rate >= 0 && layer.Rate < 1 ? null : $"rate = {layer.Rate.ToString(CultureInfo.InvariantCulture)}, but the dropout rate must lie in [0, 1)";
                case LayerKind.BatchNorm:
                    if (!(layer.Momentum >= 0 && layer.Momentum <= 1)) return $"Momentum = {layer.Momentum.ToString(CultureInfo.InvariantCulture)}, but it must lie in [0, 1]";
                    if (!(layer.Epsilon > 0)) return $"Epsilon = {layer.Epsilon.ToString(CultureInfo.InvariantCulture)}, but it must be positive";
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>He before ReLU, Xavier before sigmoid/tanh or at the output, as the notes recommend.</summary>
        private static void AssignInitialisation(List<LayerPlan> layers)
        {
            for (int i = 0; i < layers.Count; i++)
            {
                if (layers[i].Kind is not (LayerKind.Conv or LayerKind.Affine)) continue;
                string init = "Xavier";
                for (int j = i + 1; j < layers.Count; j++)
                {
                    LayerKind next = layers[j].Kind;
                    if (next == LayerKind.Relu) { init = "He"; break; }
                    if (next is LayerKind.Sigmoid or LayerKind.Tanh) { init = "Xavier"; break; }
                    if (next is LayerKind.Conv or LayerKind.Affine or LayerKind.SoftmaxWithLoss) break;
                    if (next == LayerKind.ResidualEnd) { init = "He"; break; } // ResNet blocks end in ReLU
                }

                layers[i] = layers[i] with { InitKind = init };
            }
        }

        private static LayerSpec FindSoftmax(EquatableArray<LayerSpec> specs)
        {
            foreach (LayerSpec s in specs)
            {
                if (s.Kind == LayerKind.SoftmaxWithLoss) return s;
            }

            return specs[0];
        }

        private static DiagnosticInfo TooLargeError(LayerSpec layer, Shape output) =>
            new("CNN013", layer.Location, $"{layer.SourceText} gives output {output} or weights beyond {MaxElements} values per buffer; use fewer filters/units or a smaller input");

        private static bool TooLarge(Shape shape) => Mul(Mul(shape.Channels, shape.Height), shape.Width) > MaxElements;

        /// <summary>Saturating multiplication: absurd attribute values give absurd sizes, never an overflow.</summary>
        private static long Mul(long a, long b)
        {
            if (a <= 0 || b <= 0) return a * b < 0 ? 0 : a * b;
            return a > long.MaxValue / b ? long.MaxValue : a * b;
        }

        private static string Canonical(NetworkSpec spec)
        {
            var text = new StringBuilder();
            if (spec.Input is { } i) text.Append("Input(").Append(i.Channels).Append(',').Append(i.Height).Append(',').Append(i.Width).Append(')');
            foreach (LayerSpec l in spec.Layers)
            {
                text.Append('|').Append(l.Kind);
                switch (l.Kind)
                {
                    case LayerKind.Conv: text.Append('(').Append(l.Count).Append(',').Append(l.Size).Append(",s").Append(l.Stride).Append(",p").Append(l.Pad).Append(l.Bias ? ",bias" : ",nobias").Append(')'); break;
                    case LayerKind.MaxPool:
                    case LayerKind.AvgPool: text.Append('(').Append(l.Size).Append(",s").Append(l.Stride).Append(",p").Append(l.Pad).Append(')'); break;
                    case LayerKind.Affine: text.Append('(').Append(l.Count).Append(')'); break;
                    case LayerKind.ResidualBegin: text.Append(l.Projection ? "(projection)" : string.Empty); break;
                }
            }

            return text.ToString();
        }

        private static ulong Fnv1a(string text)
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in text)
            {
                hash ^= c;
                hash *= 1099511628211UL;
            }

            return hash;
        }
    }
}
