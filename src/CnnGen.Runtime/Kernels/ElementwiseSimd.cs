using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The few elementwise operations TensorPrimitives has no single call for (a select, a three-operand product), and two
    /// it is slow at: tanh, whose TensorPrimitives version slows down about tenfold on small inputs (|x| below about 1,
    /// which is where a layer's pre-activations mostly lie), and the ReLU; written once over <see cref="Vector{T}"/>, which
    /// the JIT maps to wide registers.
    /// </summary>
    internal static class ElementwiseSimd
    {
        /// <summary><c>y = max(x, 0)</c> with the results of <c>TensorPrimitives.Max(x, 0f, y)</c> (NaN stays NaN, -0 becomes +0),
        /// which runs about nine times slower on a 16,384-float image (it handles every IEEE case for two arbitrary operands).
        /// <paramref name="y"/> may alias <paramref name="x"/>.</summary>
        public static void Relu(ReadOnlySpan<float> x, Span<float> y)
        {
            int n = x.Length, i = 0;
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float ry = ref MemoryMarshal.GetReference(y);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref rx, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, v).StoreUnsafe(ref ry, (nuint)i);
            }

            for (; i < n; i++)
            {
                float v = Unsafe.Add(ref rx, i);
                Unsafe.Add(ref ry, i) = v <= 0f ? 0f : v;
            }
        }

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
    
        /// <summary>
        /// <c>y = tanh(x)</c> in float32 with a relative error of a few ulps: for |x| &lt; 0.625 the odd polynomial
        /// <c>x + x^3 P(x^2)</c> (Cephes' tanhf, accurate where the exponential formula would cancel), otherwise
        /// <c>sign(x) (1 - 2 / (e^(2|x|) + 1))</c>; both are computed for a vector and one is selected per lane.
        /// <paramref name="y"/> may alias <paramref name="x"/>.
        /// </summary>
        public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
        {
            int n = x.Length, i = 0;
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float ry = ref MemoryMarshal.GetReference(y);
            if (KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            {
                for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    TanhVector512(Vector512.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
                }
            }

            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                TanhVector(Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }

            if (i < n)
            {
                // The tail through one vector of scratch, so every element takes the same arithmetic.
                Span<float> tail = stackalloc float[Vector<float>.Count];
                tail.Clear();
                x.Slice(i).CopyTo(tail);
                TanhVector(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(tail))).StoreUnsafe(ref MemoryMarshal.GetReference(tail));
                tail.Slice(0, n - i).CopyTo(y.Slice(i));
            }
        }

        /// <summary>e^t for t in [0, 88] (Cephes' expf: t = n ln 2 + r, |r| &lt;= ln 2 / 2, a degree-6 polynomial for e^r,
        /// 2^n put in the exponent bits), a few ulps, in fused multiply-adds; <see cref="Vector512.Exp(Vector512{float})"/>
        /// is several times slower.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Exp512(Vector512<float> t)
        {
            Vector512<float> n = Vector512.Round(t * Vector512.Create(1.44269504088896341f));
            Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), t);
            r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
            Vector512<float> p = Vector512.Create(1.9875691500e-4f);
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
            p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
            Vector512<int> scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
            return p * scale.AsSingle();
        }

        /// <summary><see cref="TanhVector"/> on sixteen lanes (the same formulas in fused multiply-adds, with
        /// <see cref="Exp512"/>); the division of the large-argument formula is a 14-bit reciprocal estimate refined by one
        /// Newton step (a division is 4-5 times the cost of the rest on these cores, and the step brings the estimate to
        /// within an ulp or two).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> TanhVector512(Vector512<float> x)
        {
            // tanh(x) = x for |x| below 2^-60 or so; replacing such lanes by 0 keeps subnormals (slow on x86) out of the arithmetic.
            Vector512<float> tiny = Vector512.LessThan(Vector512.Abs(x), Vector512.Create(1e-18f));
            Vector512<float> v = Vector512.ConditionalSelect(tiny, Vector512<float>.Zero, x);
            Vector512<float> a = Vector512.Abs(v);
            Vector512<float> z = v * v;
            Vector512<float> p = Vector512.Create(-5.70498872745e-3f);
            p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.06390887954e-2f));
            p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-5.37397155531e-2f));
            p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1.33314422036e-1f));
            p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-3.33332819422e-1f));
            Vector512<float> small = Vector512.FusedMultiplyAdd(p * z, v, v);
            // 1 - 2 / (e^2|x| + 1). Past |x| = 20 the fraction is below half an ulp of 1, so the exponent is capped at 40:
            // the denominator then stays far from the range where the reciprocal estimate would be subnormal.
            Vector512<float> d = Exp512(Vector512.Min(a + a, Vector512.Create(40f))) + Vector512<float>.One;
            Vector512<float> e = Avx512F.Reciprocal14(d);
            e *= Vector512.FusedMultiplyAdd(-d, e, Vector512.Create(2f));   // Newton: e (2 - d e), about 1 / d
            Vector512<float> large = Vector512.FusedMultiplyAdd(Vector512.Create(-2f), e, Vector512<float>.One);
            large = Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), -large, large);
            Vector512<float> result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(0.625f)), small, large);
            return Vector512.ConditionalSelect(tiny, x, result);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> TanhVector(Vector<float> x)
        {
            // tanh(x) = x for |x| below 2^-60 or so; replacing such lanes by 0 keeps subnormals (slow on x86) out of the arithmetic.
            Vector<int> tiny = Vector.LessThan(Vector.Abs(x), new Vector<float>(1e-18f));
            Vector<float> v = Vector.ConditionalSelect(tiny, Vector<float>.Zero, x);
            Vector<float> a = Vector.Abs(v);
            Vector<float> z = v * v;
            Vector<float> p = new Vector<float>(-5.70498872745e-3f);
            p = p * z + new Vector<float>(2.06390887954e-2f);
            p = p * z + new Vector<float>(-5.37397155531e-2f);
            p = p * z + new Vector<float>(1.33314422036e-1f);
            p = p * z + new Vector<float>(-3.33332819422e-1f);
            Vector<float> small = p * z * v + v;
            // e^(2|x|) overflows to infinity for |x| above about 44; 1 - 2 / inf is exactly 1, the right limit.
            Vector<float> large = Vector<float>.One - new Vector<float>(2f) / (Vector.Exp(a + a) + Vector<float>.One);
            large = Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), -large, large);
            Vector<float> result = Vector.ConditionalSelect(Vector.LessThan(a, new Vector<float>(0.625f)), small, large);
            return Vector.ConditionalSelect(tiny, x, result);
        }
    }
}
