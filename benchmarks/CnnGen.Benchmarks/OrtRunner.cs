using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;

namespace CnnGen.Benchmarks
{
    /// <summary>ONNX Runtime on the same network and weights (exported with <c>ExportOnnx</c>), at one batch size,
    /// with the input and output bound once to preallocated OrtValues so a call is one <c>RunWithBinding</c>.</summary>
    public sealed class OrtRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly SessionOptions _options;
        private readonly RunOptions _run;
        private readonly OrtIoBinding _binding;
        private readonly OrtValue _input;
        private readonly OrtValue _output;

        public OrtRunner(byte[] model, TensorShape shape, int outputs, int batch, int threads, float[] input)
        {
            Input = input;
            Output = new float[batch * outputs];
            _options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(model, _options);
            _run = new RunOptions();
            _input = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, shape.Channels, shape.Height, shape.Width });
            _output = OrtValue.CreateTensorValueFromMemory(Output, new long[] { batch, outputs });
            _binding = _session.CreateIoBinding();
            _binding.BindInput("input", _input);
            _binding.BindOutput("logits", _output);
        }

        public float[] Input { get; }

        public float[] Output { get; }

        public static byte[] Export(INetwork net)
        {
            using var stream = new MemoryStream();
            net.ExportOnnx(stream);
            return stream.ToArray();
        }

        public void Run() => _session.RunWithBinding(_run, _binding);

        public void Dispose()
        {
            _binding.Dispose();
            _input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
