// This file is compiled into both the generator and the runtime, so the output-size formula
// exists exactly once.
namespace CnnGen
{
    /// <summary>The one output-size formula shared by build-time shape inference and run-time kernels.</summary>
    internal static class ShapeMath
    {
        /// <summary>
        /// <c>out = floor((n - f + 2p) / s) + 1</c> for a window of <paramref name="f"/> sliding with stride
        /// <paramref name="s"/> over <paramref name="n"/> values padded by <paramref name="p"/> on each side.
        /// Computed in 64 bits so that absurd arguments give absurd numbers, never overflow.
        /// Returns a value below 1 when the window does not fit.
        /// </summary>
        public static long OutputSize(long n, long f, long s, long p)
        {
            long span = n - f + 2 * p;
            long quotient = span / s;
            if (span < 0 && quotient * s != span)
            {
                quotient--; // C# division truncates toward zero; the formula floors
            }

            return quotient + 1;
        }

        /// <summary>The number of padded input rows/columns the last window leaves unused: <c>(n - f + 2p) mod s</c>.</summary>
        public static long Remainder(long n, long f, long s, long p)
        {
            long span = n - f + 2 * p;
            return span < 0 ? 0 : span % s;
        }
    }
}
