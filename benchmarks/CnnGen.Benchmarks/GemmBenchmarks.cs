using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using CnnGen.Kernels;

namespace CnnGen.Benchmarks
{
    /// <summary>GEMM at 1 and 2 threads on square and SimpleConvNet shapes. GFLOP/s = 2*M*N*K / mean time;
    /// compare with <see cref="PeakFma"/> (or run <c>gemm-report</c>, which prints the fractions directly).</summary>
    [MemoryDiagnoser]
    public class GemmBenchmarks
    {
        private float[] _a = null!, _b = null!, _c = null!;

        [ParamsSource(nameof(Shapes))]
        public GemmShape Shape { get; set; } = null!;

        [Params(1, 2)]
        public int Threads { get; set; }

        public static IEnumerable<GemmShape> Shapes() => GemmShape.All();

        [GlobalSetup]
        public void Setup()
        {
            var rnd = new System.Random(1);
            _a = new float[Shape.M * Shape.K];
            _b = new float[Shape.K * Shape.N];
            _c = new float[Shape.M * Shape.N];
            for (int i = 0; i < _a.Length; i++) _a[i] = (float)rnd.NextDouble();
            for (int i = 0; i < _b.Length; i++) _b[i] = (float)rnd.NextDouble();
            KernelDispatch.MaxDegreeOfParallelism = Threads;
        }

        [GlobalCleanup]
        public void Cleanup() => KernelDispatch.Reset();

        [Benchmark]
        public void Multiply() => Gemm.Multiply(Shape.TransA, Shape.TransB, Shape.M, Shape.N, Shape.K, _a, _b, _c);
    }
}
