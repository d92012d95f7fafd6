namespace CnnGen
{
    /// <summary>Options for <see cref="OnnxExportExtensions.ExportOnnx(INetwork, string, OnnxExportOptions?)"/>.</summary>
    /// <remarks>The defaults give a file that depends only on the declaration and the current weights, so exporting the
    /// same network twice gives the same bytes.</remarks>
    public sealed record OnnxExportOptions
    {
        /// <summary>The lowest operator set the exporter writes (BatchNormalization, Softmax and Gemm with their version-13 semantics).</summary>
        public const int MinimumOpset = 13;

        /// <summary>The highest operator set the exporter accepts.</summary>
        public const int MaximumOpset = 21;

        /// <summary>Adds a second output <c>probabilities</c>: softmax over the logits along the class axis. Default false.</summary>
        public bool IncludeSoftmax { get; init; }

        /// <summary>The default ONNX operator set: <see cref="MinimumOpset"/>.</summary>
        public int Opset { get; init; } = MinimumOpset;

        /// <summary>The graph name; null uses the network's <see cref="INetwork.Name"/>.</summary>
        public string? ModelName { get; init; }

        /// <summary>The <c>producer_name</c> written into the model. Default <c>CnnGen</c>.</summary>
        public string ProducerName { get; init; } = "CnnGen";

        /// <summary>The <c>producer_version</c> written into the model; null (the default) writes none, so the bytes do not change
        /// from one library version to the next.</summary>
        public string? ProducerVersion { get; init; }

        /// <summary>The model's <c>model_version</c>. Default 1.</summary>
        public long ModelVersion { get; init; } = 1;

        /// <summary>Default options: logits only, opset 13.</summary>
        public static OnnxExportOptions Default { get; } = new();
    }
}
