using System;

namespace CnnGen.Kernels
{
    /// <summary>The skip connection <c>y = F(x) + x</c>; its backward is the same sum of the two incoming gradients.</summary>
    public static class Residual
    {
        /// <summary><c>y = a + b</c>, elementwise.</summary>
        public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            Guard.Length(b.Length, a.Length, nameof(b));
            Guard.Length(y.Length, a.Length, nameof(y));
            ParallelElementwise.Run(ParallelElementwise.Op.Add, a, b, y);
        }
    }
}
