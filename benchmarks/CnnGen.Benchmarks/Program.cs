using System;
using BenchmarkDotNet.Running;

namespace CnnGen.Benchmarks
{
    /// <summary>Entry point: BenchmarkDotNet's switcher over every benchmark class in this assembly, plus
    /// <c>gemm-report</c>, a quick Stopwatch table of GEMM throughput against the measured FMA peak, and
    /// <c>compare</c>, CnnGen against ONNX Runtime and PyTorch in one table (see <see cref="Compare"/>), <c>scaling</c>,
    /// one thread against two (see <see cref="Scaling"/>), <c>host</c>, what the machine gives one core and two at the
    /// moment (see <see cref="HostReport"/>), and <c>conv-forward</c>, the forward convolution kernels on
    /// small planes (see <see cref="ConvForwardReport"/>).</summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "gemm-report")
            {
                return GemmReport.Run(args.AsSpan(1).ToArray());
            }

            if (args.Length > 0 && args[0] == "scaling")
            {
                return Scaling.Run(args.AsSpan(1).ToArray());
            }

            if (args.Length > 0 && args[0] == "conv-forward")
            {
                return ConvForwardReport.Run(args.AsSpan(1).ToArray());
            }

            if (args.Length > 0 && args[0] == "host")
            {
                return HostReport.Run(args.AsSpan(1).ToArray());
            }

            if (args.Length > 0 && args[0] == "compare")
            {
                return Compare.Run(args.AsSpan(1).ToArray());
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
    }
}
