using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Elementwise activations as value/derivative pairs. Each backward takes the forward <b>output</b> y
    /// (all three derivatives are cheap in terms of y) and the upstream gradient dy.
    /// Long buffers are shared among up to <see cref="KernelDispatch.MaxDegreeOfParallelism"/> threads in contiguous
    /// chunks (bit-identical to one thread).
    /// </summary>
    public static class Activations
    {
        /// <summary><c>y = max(0, x)</c>. <paramref name="y"/> may alias <paramref name="x"/>.</summary>
        public static void ReluForward(ReadOnlySpan<float> x, Span<float> y)
        {
            Guard.Length(y.Length, x.Length, nameof(y));
            ParallelElementwise.Run(ParallelElementwise.Op.ReluForward, x, default, y);
        }

        /// <summary><c>dx = dy * (y &gt; 0)</c>. <paramref name="dx"/> may alias <paramref name="dy"/>.</summary>
        public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Guard.Length(dy.Length, y.Length, nameof(dy));
            Guard.Length(dx.Length, y.Length, nameof(dx));
            ParallelElementwise.Run(ParallelElementwise.Op.ReluBackward, y, dy, dx);
        }

        /// <summary><c>y = 1 / (1 + e^-x)</c>.</summary>
        public static void SigmoidForward(ReadOnlySpan<float> x, Span<float> y)
        {
            Guard.Length(y.Length, x.Length, nameof(y));
            ParallelElementwise.Run(ParallelElementwise.Op.SigmoidForward, x, default, y);
        }

        /// <summary><c>dx = dy * y * (1 - y)</c>.</summary>
        public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Guard.Length(dy.Length, y.Length, nameof(dy));
            Guard.Length(dx.Length, y.Length, nameof(dx));
            ParallelElementwise.Run(ParallelElementwise.Op.SigmoidBackward, y, dy, dx);
        }

        /// <summary><c>y = tanh(x)</c>.</summary>
        public static void TanhForward(ReadOnlySpan<float> x, Span<float> y)
        {
            Guard.Length(y.Length, x.Length, nameof(y));
            ParallelElementwise.Run(ParallelElementwise.Op.TanhForward, x, default, y);
        }

        /// <summary><c>dx = dy * (1 - y^2)</c>.</summary>
        public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Guard.Length(dy.Length, y.Length, nameof(dy));
            Guard.Length(dx.Length, y.Length, nameof(dx));
            ParallelElementwise.Run(ParallelElementwise.Op.TanhBackward, y, dy, dx);
        }
    }
}
