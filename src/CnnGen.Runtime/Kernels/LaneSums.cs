using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>Sums of the lanes of several AVX-512 accumulators at once (a kernel whose accumulators each hold one result
    /// spread over sixteen lanes: <see cref="InputGradientFiltersInLanes"/>).</summary>
    internal static class LaneSums
    {
        /// <summary>The sums of the lanes of four accumulators: within each 128-bit quarter, interleaving pairs and adding
        /// brings the four accumulators' partial sums side by side (13 instructions where four separate sums take about 30),
        /// then the quarters are added.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> OfFour(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
        {
            // Per quarter: s01 = [a0 0+2, a1 0+2, a0 1+3, a1 1+3], s23 the same for a2 and a3.
            Vector512<float> s01 = Avx512F.UnpackLow(a0, a1) + Avx512F.UnpackHigh(a0, a1);
            Vector512<float> s23 = Avx512F.UnpackLow(a2, a3) + Avx512F.UnpackHigh(a2, a3);
            // Per quarter: [a0, a1, a2, a3], each the sum of its four lanes there.
            Vector512<float> s = Avx512F.Shuffle(s01, s23, 0x44) + Avx512F.Shuffle(s01, s23, 0xEE);
            Vector256<float> half = s.GetLower() + s.GetUpper();
            return half.GetLower() + half.GetUpper();
        }
    }
}
