using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The few fused elementwise operations TensorPrimitives has no single call for (a select, a
    /// three-operand product); written once over <see cref="Vector{T}"/>, which the JIT maps to the
    /// widest registers it supports.
    /// </summary>
    internal static class ElementwiseSimd
    {
        public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int n = y.Length, i = 0;
            ref float ry = ref MemoryMarshal.GetReference(y);
            ref float rdy = ref MemoryMarshal.GetReference(dy);
            ref float rdx = ref MemoryMarshal.GetReference(dx);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = Vector.LoadUnsafe(ref ry, (nuint)i);
                var vdy = Vector.LoadUnsafe(ref rdy, (nuint)i);
                Vector.ConditionalSelect(Vector.GreaterThan(vy, Vector<float>.Zero), vdy, Vector<float>.Zero).StoreUnsafe(ref rdx, (nuint)i);
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref rdx, i) = Unsafe.Add(ref ry, i) > 0f ? Unsafe.Add(ref rdy, i) : 0f;
            }
        }

        public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int n = y.Length, i = 0;
            ref float ry = ref MemoryMarshal.GetReference(y);
            ref float rdy = ref MemoryMarshal.GetReference(dy);
            ref float rdx = ref MemoryMarshal.GetReference(dx);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = Vector.LoadUnsafe(ref ry, (nuint)i);
                var vdy = Vector.LoadUnsafe(ref rdy, (nuint)i);
                (vdy * vy * (Vector<float>.One - vy)).StoreUnsafe(ref rdx, (nuint)i);
            }

            for (; i < n; i++)
            {
                float v = Unsafe.Add(ref ry, i);
                Unsafe.Add(ref rdx, i) = Unsafe.Add(ref rdy, i) * v * (1f - v);
            }
        }

        public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int n = y.Length, i = 0;
            ref float ry = ref MemoryMarshal.GetReference(y);
            ref float rdy = ref MemoryMarshal.GetReference(dy);
            ref float rdx = ref MemoryMarshal.GetReference(dx);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = Vector.LoadUnsafe(ref ry, (nuint)i);
                var vdy = Vector.LoadUnsafe(ref rdy, (nuint)i);
                (vdy * (Vector<float>.One - vy * vy)).StoreUnsafe(ref rdx, (nuint)i);
            }

            for (; i < n; i++)
            {
                float v = Unsafe.Add(ref ry, i);
                Unsafe.Add(ref rdx, i) = Unsafe.Add(ref rdy, i) * (1f - v * v);
            }
        }
    }
}
