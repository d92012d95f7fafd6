using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;

namespace CnnGen.Benchmarks
{
    /// <summary>ONNX Runtime on the same network and weights (exported with <c>ExportOnnx</c>), at one batch size, with each
    /// of the input batches and the output bound once to preallocated OrtValues, so a call is one <c>RunWithBinding</c>.
    /// Calls take the batches in turn, as CnnGen's calls on the same row do: both read each batch's input from wherever the
    /// last pass over the pool left it (with one batch bound for good, ONNX Runtime read an input that never left the cache
    /// while CnnGen read ten batches in turn at batch 100).</summary>
    public sealed class OrtRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly SessionOptions _options;
        private readonly RunOptions _run;
        private readonly OrtIoBinding[] _bindings;
        private readonly OrtValue[] _inputs;
        private readonly OrtValue _output;
        private int _next;

        public OrtRunner(byte[] model, TensorShape shape, int outputs, int batch, int threads, float[][] inputs)
        {
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
            _output = OrtValue.CreateTensorValueFromMemory(Output, new long[] { batch, outputs });
            _inputs = new OrtValue[inputs.Length];
            _bindings = new OrtIoBinding[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                _inputs[i] = OrtValue.CreateTensorValueFromMemory(inputs[i], new long[] { batch, shape.Channels, shape.Height, shape.Width });
                _bindings[i] = _session.CreateIoBinding();
                _bindings[i].BindInput("input", _inputs[i]);
                _bindings[i].BindOutput("logits", _output);
            }
        }

        public float[] Output { get; }

        public static byte[] Export(INetwork net)
        {
            using var stream = new MemoryStream();
            net.ExportOnnx(stream);
            return stream.ToArray();
        }

        /// <summary>One call on the next input batch (the first call takes the first batch).</summary>
        public void Run()
        {
            int index = _next;
            _next = index + 1 == _bindings.Length ? 0 : index + 1;
            _session.RunWithBinding(_run, _bindings[index]);
        }

        public void Dispose()
        {
            foreach (OrtIoBinding binding in _bindings) binding.Dispose();
            foreach (OrtValue input in _inputs) input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
