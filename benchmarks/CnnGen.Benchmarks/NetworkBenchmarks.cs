using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using CnnGen.Kernels;
using CnnGen.Training;

namespace CnnGen.Benchmarks
{
    /// <summary>BenchmarkDotNet: CnnGen inference against ONNX Runtime (same weights, same thread count) per network and
    /// batch size, and CnnGen's training step at batch 100. One thread unless <c>CNNGEN_BENCH_THREADS</c> says otherwise.</summary>
    [MemoryDiagnoser]
    public class NetworkBenchmarks
    {
        private INetwork _net = null!;
        private OrtRunner _ort = null!;
        private float[] _input = Array.Empty<float>();
        private float[] _trainInput = Array.Empty<float>();
        private int[] _labels = Array.Empty<int>();
        private Sgd _sgd = null!;

        [Params("SimpleConvNet", "LeNet5", "SmallVgg")]
        public string Network { get; set; } = "SimpleConvNet";

        [Params(1, 8, 32, 100, 256)]
        public int Batch { get; set; }

        public static int Threads => int.TryParse(Environment.GetEnvironmentVariable("CNNGEN_BENCH_THREADS"), out int t) && t > 0 ? t : 1;

        [GlobalSetup]
        public void Setup()
        {
            KernelDispatch.MaxDegreeOfParallelism = Threads;
            _net = Network switch
            {
                "LeNet5" => new LeNet5(1),
                "SmallVgg" => new SmallVgg(1),
                _ => new SimpleConvNet(1),
            };
            var random = new Random(7);
            _input = Enumerable.Range(0, Batch * _net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
            _ort = new OrtRunner(OrtRunner.Export(_net), _net.InputShape, _net.OutputSize, Batch, Threads, new[] { _input });
            _trainInput = Enumerable.Range(0, Compare.TrainBatch * _net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
            _labels = Enumerable.Range(0, Compare.TrainBatch).Select(_ => random.Next(_net.OutputSize)).ToArray();
            _sgd = new Sgd(0.001f);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _ort.Dispose();
            KernelDispatch.Reset();
        }

        [Benchmark(Baseline = true)]
        public float CnnGenInference()
        {
            // Inference mode, as ONNX Runtime runs it; the training benchmark below needs training mode back.
            _net.IsTraining = false;
            float first = _net.Forward(_input)[0];
            _net.IsTraining = true;
            return first;
        }

        [Benchmark]
        public float OnnxRuntimeInference()
        {
            _ort.Run();
            return _ort.Output[0];
        }

        /// <summary>A training step at batch 100 (the same for every <see cref="Batch"/> value).</summary>
        [Benchmark]
        public float CnnGenTrainStep100()
        {
            float loss = _net.Loss(_trainInput, _labels);
            _net.Backward();
            _sgd.Step(_net.Parameters);
            return loss;
        }
    }
}
