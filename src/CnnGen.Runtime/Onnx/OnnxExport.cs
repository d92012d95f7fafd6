using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CnnGen.Onnx.Proto;
using Google.Protobuf;

namespace CnnGen
{
    /// <summary>
    /// Writes any generated network as an ONNX model, built from its <see cref="INetwork.Layers"/> (no tracing):
    /// one input <c>input</c> of shape <c>N x C x H x W</c> with a dynamic batch <c>N</c>, one output <c>logits</c>
    /// of shape <c>N x OutputSize</c>, optionally a second output <c>probabilities</c>, and the current weights as
    /// float32 initialisers. The graph is the inference graph: batch normalisation uses the running averages and
    /// dropout is left out.
    /// </summary>
    public static class OnnxExportExtensions
    {
        /// <summary>Exports <paramref name="network"/> to the file <paramref name="path"/> (created or overwritten).</summary>
        public static void ExportOnnx(this INetwork network, string path, OnnxExportOptions? options = null)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            byte[] bytes = network.ToOnnxBytes(options);
            File.WriteAllBytes(path, bytes);
        }

        /// <summary>Exports <paramref name="network"/> to <paramref name="stream"/> (left open).</summary>
        public static void ExportOnnx(this INetwork network, Stream stream, OnnxExportOptions? options = null)
        {
            if (stream is null) throw new ArgumentNullException(nameof(stream));
            byte[] bytes = network.ToOnnxBytes(options);
            stream.Write(bytes, 0, bytes.Length);
        }

        /// <summary>The ONNX model of <paramref name="network"/> as bytes. The same declaration, weights and options always give the same bytes.</summary>
        public static byte[] ToOnnxBytes(this INetwork network, OnnxExportOptions? options = null)
        {
            if (network is null) throw new ArgumentNullException(nameof(network));
            options ??= OnnxExportOptions.Default;
            if (options.Opset < OnnxExportOptions.MinimumOpset || options.Opset > OnnxExportOptions.MaximumOpset)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.Opset,
                    $"ONNX opset must be between {OnnxExportOptions.MinimumOpset} and {OnnxExportOptions.MaximumOpset}.");
            }

            return new GraphBuilder(network).Build(options).ToByteArray();
        }

        /// <summary>The lowest ONNX IR version that carries <paramref name="opset"/>.</summary>
        internal static long IrVersionFor(int opset) => opset switch
        {
            <= 14 => 7,
            <= 18 => 8,
            <= 20 => 9,
            _ => 10,
        };

        private sealed class GraphBuilder
        {
            private readonly INetwork _network;
            private readonly Dictionary<string, float[]> _values = new(StringComparer.Ordinal);
            private readonly Dictionary<string, IReadOnlyList<int>> _shapes = new(StringComparer.Ordinal);
            private readonly HashSet<string> _added = new(StringComparer.Ordinal);
            private readonly GraphProto _graph = new();

            public GraphBuilder(INetwork network)
            {
                _network = network;
                foreach (Parameter p in network.Parameters)
                {
                    _values[p.Name] = p.Values;
                    _shapes[p.Name] = p.Shape;
                }

                foreach (StateBuffer s in network.States)
                {
                    _values[s.Name] = s.Values;
                    _shapes[s.Name] = s.Shape;
                }
            }

            public ModelProto Build(OnnxExportOptions options)
            {
                TensorShape inputShape = _network.InputShape;
                _graph.Name = options.ModelName ?? _network.Name;
                _graph.Input.Add(Value("input", inputShape.Channels, inputShape.Height, inputShape.Width));

                string current = "input";
                int rank = 4;
                var shortcuts = new Dictionary<int, string>();
                IReadOnlyList<LayerInfo> layers = _network.Layers;
                foreach (LayerInfo layer in layers)
                {
                    int i = layer.Index;
                    switch (layer.Kind)
                    {
                        case LayerKind.Input:
                        case LayerKind.Dropout:
                        case LayerKind.SoftmaxWithLoss:
                            break;

                        case LayerKind.Conv:
                            current = ToImage(current, ref rank, layer.InputShape, i);
                            current = Conv(current, layer.Weight!, layer.Bias, layer.Size, layer.Stride, layer.Pad, $"conv{Num(i)}");
                            break;

                        case LayerKind.MaxPool:
                        case LayerKind.AvgPool:
                        {
                            current = ToImage(current, ref rank, layer.InputShape, i);
                            if (layer.Pad >= layer.Size)
                            {
                                throw new NotSupportedException($"Layer {i} ({layer.Description}): ONNX pooling needs the padding to be smaller than the window.");
                            }

                            bool max = layer.Kind == LayerKind.MaxPool;
                            string output = $"{(max ? "maxpool" : "avgpool")}{Num(i)}";
                            NodeProto node = Node(max ? "MaxPool" : "AveragePool", output, current);
                            node.Attribute.Add(Ints("kernel_shape", layer.Size, layer.Size));
                            node.Attribute.Add(Ints("pads", layer.Pad, layer.Pad, layer.Pad, layer.Pad));
                            node.Attribute.Add(Ints("strides", layer.Stride, layer.Stride));
                            if (!max) node.Attribute.Add(Int("count_include_pad", 1));
                            current = output;
                            break;
                        }

                        case LayerKind.GlobalAvgPool:
                            current = ToImage(current, ref rank, layer.InputShape, i);
                            current = Emit("GlobalAveragePool", $"globalavgpool{Num(i)}", current);
                            break;

                        case LayerKind.Relu:
                            current = Emit("Relu", $"relu{Num(i)}", current);
                            break;
                        case LayerKind.Sigmoid:
                            current = Emit("Sigmoid", $"sigmoid{Num(i)}", current);
                            break;
                        case LayerKind.Tanh:
                            current = Emit("Tanh", $"tanh{Num(i)}", current);
                            break;

                        case LayerKind.Affine:
                        {
                            if (rank != 2)
                            {
                                string flat = $"flatten{Num(i)}";
                                Node("Flatten", flat, current).Attribute.Add(Int("axis", 1));
                                current = flat;
                                rank = 2;
                            }

                            string output = $"gemm{Num(i)}";
                            // W is stored (in, out), so y = x @ W + b is Gemm with transB = 0 (the default).
                            if (layer.Bias is null) Node("Gemm", output, current, Initializer(layer.Weight!));
                            else Node("Gemm", output, current, Initializer(layer.Weight!), Initializer(layer.Bias));
                            current = output;
                            break;
                        }

                        case LayerKind.BatchNorm:
                            current = BatchNorm(current, layer.Gamma!, layer.Beta!, layer.RunningMean!, layer.RunningVar!, layer.Epsilon, $"batchnorm{Num(i)}");
                            break;

                        case LayerKind.ResidualBegin:
                            current = ToImage(current, ref rank, layer.InputShape, i);
                            shortcuts[i] = current;
                            break;

                        case LayerKind.ResidualEnd:
                        {
                            if (!shortcuts.TryGetValue(layer.Partner, out string? x))
                            {
                                throw new NotSupportedException($"Layer {i} ({layer.Description}): no residual block opens at layer {layer.Partner}.");
                            }

                            current = ToImage(current, ref rank, layer.OutputShape, i);
                            string shortcut = x;
                            if (layer.ShortcutWeight is not null)
                            {
                                string[] norm = layer.ShortcutNorm ?? throw new NotSupportedException($"Layer {i} ({layer.Description}): projection without batch normalisation names.");
                                shortcut = Conv(x, layer.ShortcutWeight, null, 1, layer.ShortcutStride, 0, $"shortcut_conv{Num(i)}");
                                shortcut = BatchNorm(shortcut, norm[0], norm[1], norm[2], norm[3], ShortcutEpsilon(layer), $"shortcut_batchnorm{Num(i)}");
                            }

                            current = Emit("Add", $"add{Num(i)}", current, shortcut);
                            break;
                        }

                        default:
                            throw new NotSupportedException($"Layer {i} ({layer.Description}): {layer.Kind} has no ONNX export.");
                    }
                }

                if (rank != 2)
                {
                    current = Emit("Flatten", "flatten_logits", current);
                    _graph.Node[_graph.Node.Count - 1].Attribute.Add(Int("axis", 1));
                }

                // The last node's output becomes "logits"; no node consumes it yet, so renaming it is safe.
                if (_graph.Node.Count == 0)
                {
                    Node("Identity", "logits", current);
                }
                else
                {
                    NodeProto last = _graph.Node[_graph.Node.Count - 1];
                    last.Output[0] = "logits";
                }

                _graph.Output.Add(Value("logits", _network.OutputSize));
                if (options.IncludeSoftmax)
                {
                    Node("Softmax", "probabilities", "logits").Attribute.Add(Int("axis", 1));
                    _graph.Output.Add(Value("probabilities", _network.OutputSize));
                }

                var model = new ModelProto
                {
                    IrVersion = IrVersionFor(options.Opset),
                    ProducerName = options.ProducerName,
                    ModelVersion = options.ModelVersion,
                    Graph = _graph,
                };
                if (options.ProducerVersion is not null) model.ProducerVersion = options.ProducerVersion;
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = options.Opset });
                return model;
            }

            /// <summary>The epsilon of a projection shortcut's batch normalisation: the layer's own value when it carries one,
            /// else the generator's fixed 1e-5.</summary>
            private static double ShortcutEpsilon(LayerInfo end) => end.Epsilon > 0 ? end.Epsilon : 1e-5;

            private string ToImage(string current, ref int rank, TensorShape shape, int index)
            {
                if (rank == 4) return current;

                // Data made flat by an affine layer going back into an image-shaped layer: N x (C*H*W) -> N x C x H x W.
                string shapeName = $"reshape{Num(index)}_shape";
                var tensor = new TensorProto { Name = shapeName, DataType = (int)TensorProto.Types.DataType.Int64 };
                tensor.Dims.Add(4);
                byte[] raw = new byte[4 * sizeof(long)];
                long[] dims = { -1, shape.Channels, shape.Height, shape.Width };
                for (int k = 0; k < 4; k++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * k), dims[k]);
                tensor.RawData = ByteString.CopyFrom(raw);
                _graph.Initializer.Add(tensor);
                rank = 4;
                return Emit("Reshape", $"reshape{Num(index)}", current, shapeName);
            }

            private string Conv(string x, string weight, string? bias, int size, int stride, int pad, string output)
            {
                NodeProto node = bias is null
                    ? Node("Conv", output, x, Initializer(weight))
                    : Node("Conv", output, x, Initializer(weight), Initializer(bias));
                node.Attribute.Add(Ints("dilations", 1, 1));
                node.Attribute.Add(Int("group", 1));
                node.Attribute.Add(Ints("kernel_shape", size, size));
                node.Attribute.Add(Ints("pads", pad, pad, pad, pad));
                node.Attribute.Add(Ints("strides", stride, stride));
                return output;
            }

            private string BatchNorm(string x, string gamma, string beta, string mean, string variance, double epsilon, string output)
            {
                NodeProto node = Node("BatchNormalization", output, x, Initializer(gamma), Initializer(beta), Initializer(mean), Initializer(variance));
                node.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = (float)epsilon });
                return output;
            }

            private string Emit(string opType, string output, params string[] inputs)
            {
                Node(opType, output, inputs);
                return output;
            }

            private NodeProto Node(string opType, string output, params string[] inputs)
            {
                var node = new NodeProto { Name = $"{opType}_{_graph.Node.Count.ToString(CultureInfo.InvariantCulture)}", OpType = opType };
                node.Input.Add(inputs);
                node.Output.Add(output);
                _graph.Node.Add(node);
                return node;
            }

            /// <summary>Adds the parameter or state <paramref name="name"/> as a float32 initialiser (once) and returns its name.</summary>
            private string Initializer(string name)
            {
                if (!_values.TryGetValue(name, out float[]? values))
                {
                    throw new InvalidOperationException($"Network '{_network.Name}' has no parameter or state named '{name}'.");
                }

                if (_added.Add(name))
                {
                    var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
                    foreach (int d in _shapes[name]) tensor.Dims.Add(d);
                    byte[] raw = new byte[values.Length * sizeof(float)];
                    for (int k = 0; k < values.Length; k++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * k), values[k]);
                    tensor.RawData = ByteString.CopyFrom(raw);
                    _graph.Initializer.Add(tensor);
                }

                return name;
            }

            private static ValueInfoProto Value(string name, params int[] dims)
            {
                var shape = new TensorShapeProto();
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
                foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
                return new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
                };
            }

            private static AttributeProto Int(string name, long value) =>
                new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

            private static AttributeProto Ints(string name, params long[] values)
            {
                var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
                attribute.Ints.Add(values);
                return attribute;
            }

            private static string Num(int index) => index.ToString(CultureInfo.InvariantCulture);
        }
    }
}
