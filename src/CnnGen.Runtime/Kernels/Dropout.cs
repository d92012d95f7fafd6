using System;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Inverted dropout: training keeps each value with probability <c>1 - rate</c> and scales it by
    /// <c>1 / (1 - rate)</c>, so inference is the identity. The mask (0 or the scale) is kept for backward.
    /// </summary>
    public static class Dropout
    {
        /// <summary>Draws a mask from <paramref name="random"/> and applies it.</summary>
        public static void Forward(float rate, ref SplitMix64 random, ReadOnlySpan<float> x, Span<float> y, Span<float> mask)
        {
            Guard.Length(y.Length, x.Length, nameof(y));
            Guard.Length(mask.Length, x.Length, nameof(mask));
            if (!(rate >= 0f && rate < 1f)) throw new ArgumentException($"The dropout rate must lie in [0, 1), got {rate}.", nameof(rate));
            float keep = 1f / (1f - rate);
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = random.NextSingle() >= rate ? keep : 0f;
            }

            ParallelElementwise.Run(ParallelElementwise.Op.Multiply, x, mask, y);
        }

        /// <summary><c>dx = dy * mask</c>.</summary>
        public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Guard.Length(dy.Length, mask.Length, nameof(dy));
            Guard.Length(dx.Length, mask.Length, nameof(dx));
            ParallelElementwise.Run(ParallelElementwise.Op.Multiply, dy, mask, dx);
        }
    }

    /// <summary>A small, fast, seedable generator (SplitMix64) held by value so no call allocates.</summary>
    public struct SplitMix64
    {
        private ulong _state;

        /// <summary>Seeds the generator; equal seeds give equal sequences on every platform.</summary>
        public SplitMix64(ulong seed) { _state = seed; }

        /// <summary>The next 64 random bits.</summary>
        public ulong NextUInt64()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
        public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

        /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>A uniform integer in [0, <paramref name="bound"/>).</summary>
        public int NextInt(int bound) => (int)((NextUInt64() >> 33) % (ulong)bound);

        /// <summary>A standard normal sample (Box-Muller).</summary>
        public double NextGaussian()
        {
            double u1 = 1.0 - NextDouble();
            double u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
