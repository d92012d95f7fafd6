using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>Small AVX-512 helpers the direct, Winograd and pooling kernels share: lane masks, the even/odd index vectors
    /// of two-source permutes, and the ReLU used when a kernel rectifies what it stores.</summary>
    internal static class Lanes512
    {
        /// <summary>Indices 0, 2, ..., 30: with <c>PermuteVar16x32x2(a, Even, b)</c>, the even elements of the 32 floats a:b.</summary>
        public static readonly Vector512<int> Even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

        /// <summary>Indices 1, 3, ..., 31: the odd elements of a:b.</summary>
        public static readonly Vector512<int> Odd = Even + Vector512<int>.One;

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
