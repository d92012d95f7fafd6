using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>Small AVX-512 helpers the direct, Winograd and pooling kernels share: lane masks, the even/odd index vectors
    /// of two-source permutes, a 16 x 16 transpose, and the ReLU used when a kernel rectifies what it stores.</summary>
    internal static class Lanes512
    {
        /// <summary>Indices 0, 2, ..., 30: with <c>PermuteVar16x32x2(a, Even, b)</c>, the even elements of the 32 floats a:b.</summary>
        public static readonly Vector512<int> Even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

        /// <summary>Indices 1, 3, ..., 31: the odd elements of a:b.</summary>
        public static readonly Vector512<int> Odd = Even + Vector512<int>.One;

        /// <summary>
        /// Transposes a 16 x 16 block: row r of the result (16 floats at <c>dst + r * dstStride</c>) is column r of the
        /// source (rows <paramref name="srcStride"/> floats apart). Four rounds of sixteen two-source permutes, which swap the
        /// off-diagonal blocks of 8, 4, 2 and 1 rows and lanes in turn, all in registers.
        /// </summary>
        public static unsafe void Transpose16(float* src, long srcStride, float* dst, long dstStride)
        {
            Vector512<float> r0 = Vector512.Load(src), r1 = Vector512.Load(src + srcStride);
            Vector512<float> r2 = Vector512.Load(src + 2 * srcStride), r3 = Vector512.Load(src + 3 * srcStride);
            Vector512<float> r4 = Vector512.Load(src + 4 * srcStride), r5 = Vector512.Load(src + 5 * srcStride);
            Vector512<float> r6 = Vector512.Load(src + 6 * srcStride), r7 = Vector512.Load(src + 7 * srcStride);
            Vector512<float> r8 = Vector512.Load(src + 8 * srcStride), r9 = Vector512.Load(src + 9 * srcStride);
            Vector512<float> r10 = Vector512.Load(src + 10 * srcStride), r11 = Vector512.Load(src + 11 * srcStride);
            Vector512<float> r12 = Vector512.Load(src + 12 * srcStride), r13 = Vector512.Load(src + 13 * srcStride);
            Vector512<float> r14 = Vector512.Load(src + 14 * srcStride), r15 = Vector512.Load(src + 15 * srcStride);

            Vector512<int> lo = SwapLow8, hi = SwapHigh8;
            Swap(ref r0, ref r8, lo, hi); Swap(ref r1, ref r9, lo, hi); Swap(ref r2, ref r10, lo, hi); Swap(ref r3, ref r11, lo, hi);
            Swap(ref r4, ref r12, lo, hi); Swap(ref r5, ref r13, lo, hi); Swap(ref r6, ref r14, lo, hi); Swap(ref r7, ref r15, lo, hi);
            lo = SwapLow4; hi = SwapHigh4;
            Swap(ref r0, ref r4, lo, hi); Swap(ref r1, ref r5, lo, hi); Swap(ref r2, ref r6, lo, hi); Swap(ref r3, ref r7, lo, hi);
            Swap(ref r8, ref r12, lo, hi); Swap(ref r9, ref r13, lo, hi); Swap(ref r10, ref r14, lo, hi); Swap(ref r11, ref r15, lo, hi);
            lo = SwapLow2; hi = SwapHigh2;
            Swap(ref r0, ref r2, lo, hi); Swap(ref r1, ref r3, lo, hi); Swap(ref r4, ref r6, lo, hi); Swap(ref r5, ref r7, lo, hi);
            Swap(ref r8, ref r10, lo, hi); Swap(ref r9, ref r11, lo, hi); Swap(ref r12, ref r14, lo, hi); Swap(ref r13, ref r15, lo, hi);
            lo = SwapLow1; hi = SwapHigh1;
            Swap(ref r0, ref r1, lo, hi); Swap(ref r2, ref r3, lo, hi); Swap(ref r4, ref r5, lo, hi); Swap(ref r6, ref r7, lo, hi);
            Swap(ref r8, ref r9, lo, hi); Swap(ref r10, ref r11, lo, hi); Swap(ref r12, ref r13, lo, hi); Swap(ref r14, ref r15, lo, hi);

            r0.Store(dst); r1.Store(dst + dstStride); r2.Store(dst + 2 * dstStride); r3.Store(dst + 3 * dstStride);
            r4.Store(dst + 4 * dstStride); r5.Store(dst + 5 * dstStride); r6.Store(dst + 6 * dstStride); r7.Store(dst + 7 * dstStride);
            r8.Store(dst + 8 * dstStride); r9.Store(dst + 9 * dstStride); r10.Store(dst + 10 * dstStride); r11.Store(dst + 11 * dstStride);
            r12.Store(dst + 12 * dstStride); r13.Store(dst + 13 * dstStride); r14.Store(dst + 14 * dstStride); r15.Store(dst + 15 * dstStride);
        }

        /// <summary>Rows a and b = a + size of a block transposition: a keeps its lanes without bit <c>size</c> and takes b's
        /// lanes below them; b takes a's lanes with the bit and keeps its own.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Swap(ref Vector512<float> a, ref Vector512<float> b, Vector512<int> low, Vector512<int> high)
        {
            Vector512<float> first = Avx512F.PermuteVar16x32x2(a, low, b);
            b = Avx512F.PermuteVar16x32x2(a, high, b);
            a = first;
        }

        /// <summary>The indices of <see cref="Swap"/>'s first permute for blocks of <paramref name="size"/>: lane l of a where bit
        /// <c>size</c> of l is clear, else lane <c>l - size</c> of b (index 16 + l - size).</summary>
        private static Vector512<int> SwapLow(int size) =>
            Vector512.ConditionalSelect(Vector512.Equals(Vector512<int>.Indices & Vector512.Create(size), Vector512<int>.Zero),
                Vector512<int>.Indices, Vector512<int>.Indices + Vector512.Create(16 - size));

        /// <summary>The indices of its second permute: lane <c>l + size</c> of a where the bit is clear, else lane l of b.</summary>
        private static Vector512<int> SwapHigh(int size) =>
            Vector512.ConditionalSelect(Vector512.Equals(Vector512<int>.Indices & Vector512.Create(size), Vector512<int>.Zero),
                Vector512<int>.Indices + Vector512.Create(size), Vector512<int>.Indices + Vector512.Create(16));

        private static readonly Vector512<int> SwapLow8 = SwapLow(8), SwapHigh8 = SwapHigh(8), SwapLow4 = SwapLow(4), SwapHigh4 = SwapHigh(4),
            SwapLow2 = SwapLow(2), SwapHigh2 = SwapHigh(2), SwapLow1 = SwapLow(1), SwapHigh1 = SwapHigh(1);

        /// <summary>A mask of the first <paramref name="count"/> lanes (all of them from 16 on, none at 0 or below).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> First(int count) =>
            Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

        /// <summary><c>max(0, v)</c> as <see cref="ElementwiseSimd.Relu"/> computes it (lanes at or below zero become +0, NaN
        /// stays), so a kernel that rectifies as it stores matches the separate pass bit for bit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
    }
}
