using System;
using System.Linq;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The vectorised tanh against <see cref="Math.Tanh"/> across its whole range at every SIMD level: both formulas
/// and the switch between them, tiny and subnormal inputs, saturation, infinities, NaN and signed zeros, odd lengths.</summary>
[Collection("KernelDispatch")]
public sealed class TanhTests : IDisposable
{
    public void Dispose() => KernelDispatch.Reset();

    [Fact]
    public void Matches_math_tanh_within_a_few_ulps_everywhere()
    {
        var random = new Random(3);
        float[] special = { 0f, -0f, 0.624999f, 0.625f, -0.625f, 0.62500006f, 1e-20f, -1e-30f, 1e-39f, -float.Epsilon, 9f, 10f, 44f, 45f, 88f, 89f, 1e30f, -1e30f };
        float[] x = special
            .Concat(Enumerable.Range(0, 4001).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.NextDouble() * 6 - 4))))
            .ToArray(); // an odd length: a partial last vector
        foreach (SimdLevel level in GemmTests.Levels())
        {
            KernelDispatch.Level = level;
            var y = new float[x.Length];
            Activations.TanhForward(x, y);
            for (int i = 0; i < x.Length; i++)
            {
                double expected = Math.Tanh(x[i]);
                double error = Math.Abs(y[i] - expected);
                Assert.True(error <= 4 * Math.Abs(expected) * 1.2e-7 || error < 1e-44, $"{level}: tanh({x[i]:R}) = {y[i]:R}, expected {expected:R}");
                if (x[i] == 0) Assert.Equal(float.IsNegative(x[i]), float.IsNegative(y[i]));
            }
        }
    }

    [Fact]
    public void Infinities_and_nan()
    {
        foreach (SimdLevel level in GemmTests.Levels())
        {
            KernelDispatch.Level = level;
            float[] x = { float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0.5f, float.NaN, -2f, 3f, 1f, 0.1f, -0.1f, 20f, -20f, 0f, 1f, 2f, 3f, 4f };
            var y = new float[x.Length];
            Activations.TanhForward(x, y);
            Assert.Equal(1f, y[0]);
            Assert.Equal(-1f, y[1]);
            Assert.True(float.IsNaN(y[2]) && float.IsNaN(y[4]), level.ToString());
        }
    }
}
