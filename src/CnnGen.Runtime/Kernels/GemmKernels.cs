using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Register-blocked SGEMM micro-kernels: each computes one <c>MR x NR</c> tile of C from a packed A
    /// micro-panel (<c>kc</c> steps of <c>MR</c> floats) and a packed B micro-panel (<c>kc</c> steps of
    /// <c>NR</c> floats), storing into C (row stride <c>ldc</c>) or adding to it when <c>add</c> is set.
    /// </summary>
    internal static unsafe class GemmKernels
    {
        /// <summary>Scalar 4 x 8 micro-kernel, the reference path for processors without SIMD.</summary>
        internal static void ScalarKernel(int kc, float* a, float* b, float* c, int ldc, bool add)
        {
            const int MR = 4, NR = 8;
            float* acc = stackalloc float[MR * NR];
            for (int t = 0; t < MR * NR; t++) acc[t] = 0f;
            for (int p = 0; p < kc; p++)
            {
                for (int i = 0; i < MR; i++)
                {
                    float s = a[i];
                    float* row = acc + i * NR;
                    for (int j = 0; j < NR; j++) row[j] += s * b[j];
                }

                a += MR;
                b += NR;
            }

            for (int i = 0; i < MR; i++)
            {
                float* dst = c + i * ldc;
                float* row = acc + i * NR;
                for (int j = 0; j < NR; j++) dst[j] = add ? dst[j] + row[j] : row[j];
            }
        }

        /// <summary>AVX-512 12 x 32 micro-kernel: 24 accumulators, two B vectors and one broadcast per step.</summary>
        internal static void Avx512Kernel(int kc, float* a, float* b, float* c, int ldc, bool add)
        {
            Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
            Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
            Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
            Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
            Vector512<float> c4_0 = default; Vector512<float> c4_1 = default;
            Vector512<float> c5_0 = default; Vector512<float> c5_1 = default;
            Vector512<float> c6_0 = default; Vector512<float> c6_1 = default;
            Vector512<float> c7_0 = default; Vector512<float> c7_1 = default;
            Vector512<float> c8_0 = default; Vector512<float> c8_1 = default;
            Vector512<float> c9_0 = default; Vector512<float> c9_1 = default;
            Vector512<float> c10_0 = default; Vector512<float> c10_1 = default;
            Vector512<float> c11_0 = default; Vector512<float> c11_1 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(b + 0 * 16);
                Vector512<float> b1 = Vector512.Load(b + 1 * 16);
                Vector512<float> a0 = Vector512.Create(a[0]);
                c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
                c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
                Vector512<float> a1 = Vector512.Create(a[1]);
                c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
                c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
                Vector512<float> a2 = Vector512.Create(a[2]);
                c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
                c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
                Vector512<float> a3 = Vector512.Create(a[3]);
                c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
                c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
                Vector512<float> a4 = Vector512.Create(a[4]);
                c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
                c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1);
                Vector512<float> a5 = Vector512.Create(a[5]);
                c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
                c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1);
                Vector512<float> a6 = Vector512.Create(a[6]);
                c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0);
                c6_1 = Avx512F.FusedMultiplyAdd(a6, b1, c6_1);
                Vector512<float> a7 = Vector512.Create(a[7]);
                c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0);
                c7_1 = Avx512F.FusedMultiplyAdd(a7, b1, c7_1);
                Vector512<float> a8 = Vector512.Create(a[8]);
                c8_0 = Avx512F.FusedMultiplyAdd(a8, b0, c8_0);
                c8_1 = Avx512F.FusedMultiplyAdd(a8, b1, c8_1);
                Vector512<float> a9 = Vector512.Create(a[9]);
                c9_0 = Avx512F.FusedMultiplyAdd(a9, b0, c9_0);
                c9_1 = Avx512F.FusedMultiplyAdd(a9, b1, c9_1);
                Vector512<float> a10 = Vector512.Create(a[10]);
                c10_0 = Avx512F.FusedMultiplyAdd(a10, b0, c10_0);
                c10_1 = Avx512F.FusedMultiplyAdd(a10, b1, c10_1);
                Vector512<float> a11 = Vector512.Create(a[11]);
                c11_0 = Avx512F.FusedMultiplyAdd(a11, b0, c11_0);
                c11_1 = Avx512F.FusedMultiplyAdd(a11, b1, c11_1);
                a += 12;
                b += 2 * 16;
            }

            if (add)
            {
                c0_0 += Vector512.Load(c + 0 * ldc + 0 * 16);
                c0_1 += Vector512.Load(c + 0 * ldc + 1 * 16);
                c1_0 += Vector512.Load(c + 1 * ldc + 0 * 16);
                c1_1 += Vector512.Load(c + 1 * ldc + 1 * 16);
                c2_0 += Vector512.Load(c + 2 * ldc + 0 * 16);
                c2_1 += Vector512.Load(c + 2 * ldc + 1 * 16);
                c3_0 += Vector512.Load(c + 3 * ldc + 0 * 16);
                c3_1 += Vector512.Load(c + 3 * ldc + 1 * 16);
                c4_0 += Vector512.Load(c + 4 * ldc + 0 * 16);
                c4_1 += Vector512.Load(c + 4 * ldc + 1 * 16);
                c5_0 += Vector512.Load(c + 5 * ldc + 0 * 16);
                c5_1 += Vector512.Load(c + 5 * ldc + 1 * 16);
                c6_0 += Vector512.Load(c + 6 * ldc + 0 * 16);
                c6_1 += Vector512.Load(c + 6 * ldc + 1 * 16);
                c7_0 += Vector512.Load(c + 7 * ldc + 0 * 16);
                c7_1 += Vector512.Load(c + 7 * ldc + 1 * 16);
                c8_0 += Vector512.Load(c + 8 * ldc + 0 * 16);
                c8_1 += Vector512.Load(c + 8 * ldc + 1 * 16);
                c9_0 += Vector512.Load(c + 9 * ldc + 0 * 16);
                c9_1 += Vector512.Load(c + 9 * ldc + 1 * 16);
                c10_0 += Vector512.Load(c + 10 * ldc + 0 * 16);
                c10_1 += Vector512.Load(c + 10 * ldc + 1 * 16);
                c11_0 += Vector512.Load(c + 11 * ldc + 0 * 16);
                c11_1 += Vector512.Load(c + 11 * ldc + 1 * 16);
            }

            c0_0.Store(c + 0 * ldc + 0 * 16);
            c0_1.Store(c + 0 * ldc + 1 * 16);
            c1_0.Store(c + 1 * ldc + 0 * 16);
            c1_1.Store(c + 1 * ldc + 1 * 16);
            c2_0.Store(c + 2 * ldc + 0 * 16);
            c2_1.Store(c + 2 * ldc + 1 * 16);
            c3_0.Store(c + 3 * ldc + 0 * 16);
            c3_1.Store(c + 3 * ldc + 1 * 16);
            c4_0.Store(c + 4 * ldc + 0 * 16);
            c4_1.Store(c + 4 * ldc + 1 * 16);
            c5_0.Store(c + 5 * ldc + 0 * 16);
            c5_1.Store(c + 5 * ldc + 1 * 16);
            c6_0.Store(c + 6 * ldc + 0 * 16);
            c6_1.Store(c + 6 * ldc + 1 * 16);
            c7_0.Store(c + 7 * ldc + 0 * 16);
            c7_1.Store(c + 7 * ldc + 1 * 16);
            c8_0.Store(c + 8 * ldc + 0 * 16);
            c8_1.Store(c + 8 * ldc + 1 * 16);
            c9_0.Store(c + 9 * ldc + 0 * 16);
            c9_1.Store(c + 9 * ldc + 1 * 16);
            c10_0.Store(c + 10 * ldc + 0 * 16);
            c10_1.Store(c + 10 * ldc + 1 * 16);
            c11_0.Store(c + 11 * ldc + 0 * 16);
            c11_1.Store(c + 11 * ldc + 1 * 16);
        }

        /// <summary>
        /// AVX-512 12 x 16 edge micro-kernel for the last, at most 16 columns of C: reads the first 16 floats of each
        /// depth step of a B micro-panel <paramref name="bStride"/> floats wide and writes only the leading
        /// <paramref name="rows"/> x <paramref name="cols"/> block of the tile, straight into C.
        /// </summary>
        internal static void Avx512EdgeKernel(int kc, float* a, float* b, int bStride, float* c, int ldc, bool add, int rows, int cols)
        {
            Vector512<float> c0 = default;
            Vector512<float> c1 = default;
            Vector512<float> c2 = default;
            Vector512<float> c3 = default;
            Vector512<float> c4 = default;
            Vector512<float> c5 = default;
            Vector512<float> c6 = default;
            Vector512<float> c7 = default;
            Vector512<float> c8 = default;
            Vector512<float> c9 = default;
            Vector512<float> c10 = default;
            Vector512<float> c11 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
                c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
                c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
                c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
                c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
                c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
                c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
                c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), b0, c8);
                c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), b0, c9);
                c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), b0, c10);
                c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), b0, c11);
                a += 12;
                b += bStride;
            }

            if (rows == 12 && cols == 16)
            {
                if (add)
                {
                    c0 += Vector512.Load(c + 0 * ldc);
                    c1 += Vector512.Load(c + 1 * ldc);
                    c2 += Vector512.Load(c + 2 * ldc);
                    c3 += Vector512.Load(c + 3 * ldc);
                    c4 += Vector512.Load(c + 4 * ldc);
                    c5 += Vector512.Load(c + 5 * ldc);
                    c6 += Vector512.Load(c + 6 * ldc);
                    c7 += Vector512.Load(c + 7 * ldc);
                    c8 += Vector512.Load(c + 8 * ldc);
                    c9 += Vector512.Load(c + 9 * ldc);
                    c10 += Vector512.Load(c + 10 * ldc);
                    c11 += Vector512.Load(c + 11 * ldc);
                }

                c0.Store(c + 0 * ldc);
                c1.Store(c + 1 * ldc);
                c2.Store(c + 2 * ldc);
                c3.Store(c + 3 * ldc);
                c4.Store(c + 4 * ldc);
                c5.Store(c + 5 * ldc);
                c6.Store(c + 6 * ldc);
                c7.Store(c + 7 * ldc);
                c8.Store(c + 8 * ldc);
                c9.Store(c + 9 * ldc);
                c10.Store(c + 10 * ldc);
                c11.Store(c + 11 * ldc);
                return;
            }

            float* t = stackalloc float[12 * 16];
            c0.Store(t + 0 * 16);
            c1.Store(t + 1 * 16);
            c2.Store(t + 2 * 16);
            c3.Store(t + 3 * 16);
            c4.Store(t + 4 * 16);
            c5.Store(t + 5 * 16);
            c6.Store(t + 6 * 16);
            c7.Store(t + 7 * 16);
            c8.Store(t + 8 * 16);
            c9.Store(t + 9 * 16);
            c10.Store(t + 10 * 16);
            c11.Store(t + 11 * 16);
            for (int i = 0; i < rows; i++)
            {
                float* src = t + i * 16;
                float* dst = c + (long)i * ldc;
                if (add)
                {
                    for (int j = 0; j < cols; j++) dst[j] += src[j];
                }
                else
                {
                    for (int j = 0; j < cols; j++) dst[j] = src[j];
                }
            }
        }

        /// <summary>
        /// AVX-512 4 x 32 kernel for a last row panel of at most 4 rows: reads the first 4 floats of each depth step of an A
        /// micro-panel <paramref name="aStride"/> floats wide and writes only the leading <paramref name="rows"/> x
        /// <paramref name="cols"/> block of the tile, straight into C.
        /// </summary>
        internal static void Avx512ShortKernel(int kc, float* a, int aStride, float* b, float* c, int ldc, bool add, int rows, int cols)
        {
            Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
            Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
            Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
            Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> a0 = Vector512.Create(a[0]);
                c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
                c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
                Vector512<float> a1 = Vector512.Create(a[1]);
                c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
                c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
                Vector512<float> a2 = Vector512.Create(a[2]);
                c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
                c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
                Vector512<float> a3 = Vector512.Create(a[3]);
                c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
                c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
                a += aStride;
                b += 32;
            }

            float* t = stackalloc float[4 * 32];
            c0_0.Store(t + 0 * 32);
            c0_1.Store(t + 0 * 32 + 16);
            c1_0.Store(t + 1 * 32);
            c1_1.Store(t + 1 * 32 + 16);
            c2_0.Store(t + 2 * 32);
            c2_1.Store(t + 2 * 32 + 16);
            c3_0.Store(t + 3 * 32);
            c3_1.Store(t + 3 * 32 + 16);
            for (int i = 0; i < rows; i++)
            {
                float* src = t + i * 32;
                float* dst = c + (long)i * ldc;
                int j = 0;
                if (add)
                {
                    for (; j <= cols - 16; j += 16) (Vector512.Load(dst + j) + Vector512.Load(src + j)).Store(dst + j);
                    for (; j < cols; j++) dst[j] += src[j];
                }
                else
                {
                    for (; j <= cols - 16; j += 16) Vector512.Load(src + j).Store(dst + j);
                    for (; j < cols; j++) dst[j] = src[j];
                }
            }
        }

        /// <summary>AVX2/FMA 6 x 16 micro-kernel: 12 accumulators, two B vectors and one broadcast per step.</summary>
        internal static void Avx2Kernel(int kc, float* a, float* b, float* c, int ldc, bool add)
        {
            Vector256<float> c0_0 = default; Vector256<float> c0_1 = default;
            Vector256<float> c1_0 = default; Vector256<float> c1_1 = default;
            Vector256<float> c2_0 = default; Vector256<float> c2_1 = default;
            Vector256<float> c3_0 = default; Vector256<float> c3_1 = default;
            Vector256<float> c4_0 = default; Vector256<float> c4_1 = default;
            Vector256<float> c5_0 = default; Vector256<float> c5_1 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector256<float> b0 = Vector256.Load(b + 0 * 8);
                Vector256<float> b1 = Vector256.Load(b + 1 * 8);
                Vector256<float> a0 = Vector256.Create(a[0]);
                c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
                c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
                Vector256<float> a1 = Vector256.Create(a[1]);
                c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
                c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
                Vector256<float> a2 = Vector256.Create(a[2]);
                c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
                c2_1 = Fma.MultiplyAdd(a2, b1, c2_1);
                Vector256<float> a3 = Vector256.Create(a[3]);
                c3_0 = Fma.MultiplyAdd(a3, b0, c3_0);
                c3_1 = Fma.MultiplyAdd(a3, b1, c3_1);
                Vector256<float> a4 = Vector256.Create(a[4]);
                c4_0 = Fma.MultiplyAdd(a4, b0, c4_0);
                c4_1 = Fma.MultiplyAdd(a4, b1, c4_1);
                Vector256<float> a5 = Vector256.Create(a[5]);
                c5_0 = Fma.MultiplyAdd(a5, b0, c5_0);
                c5_1 = Fma.MultiplyAdd(a5, b1, c5_1);
                a += 6;
                b += 2 * 8;
            }

            if (add)
            {
                c0_0 += Vector256.Load(c + 0 * ldc + 0 * 8);
                c0_1 += Vector256.Load(c + 0 * ldc + 1 * 8);
                c1_0 += Vector256.Load(c + 1 * ldc + 0 * 8);
                c1_1 += Vector256.Load(c + 1 * ldc + 1 * 8);
                c2_0 += Vector256.Load(c + 2 * ldc + 0 * 8);
                c2_1 += Vector256.Load(c + 2 * ldc + 1 * 8);
                c3_0 += Vector256.Load(c + 3 * ldc + 0 * 8);
                c3_1 += Vector256.Load(c + 3 * ldc + 1 * 8);
                c4_0 += Vector256.Load(c + 4 * ldc + 0 * 8);
                c4_1 += Vector256.Load(c + 4 * ldc + 1 * 8);
                c5_0 += Vector256.Load(c + 5 * ldc + 0 * 8);
                c5_1 += Vector256.Load(c + 5 * ldc + 1 * 8);
            }

            c0_0.Store(c + 0 * ldc + 0 * 8);
            c0_1.Store(c + 0 * ldc + 1 * 8);
            c1_0.Store(c + 1 * ldc + 0 * 8);
            c1_1.Store(c + 1 * ldc + 1 * 8);
            c2_0.Store(c + 2 * ldc + 0 * 8);
            c2_1.Store(c + 2 * ldc + 1 * 8);
            c3_0.Store(c + 3 * ldc + 0 * 8);
            c3_1.Store(c + 3 * ldc + 1 * 8);
            c4_0.Store(c + 4 * ldc + 0 * 8);
            c4_1.Store(c + 4 * ldc + 1 * 8);
            c5_0.Store(c + 5 * ldc + 0 * 8);
            c5_1.Store(c + 5 * ldc + 1 * 8);
        }

        /// <summary>Portable 6 x (2 * Vector&lt;float&gt;.Count) micro-kernel over <see cref="Vector{T}"/>.</summary>
        internal static void PortableKernel(int kc, float* a, float* b, float* c, int ldc, bool add)
        {
            int W = Vector<float>.Count;
            Vector<float> c0_0 = default; Vector<float> c0_1 = default;
            Vector<float> c1_0 = default; Vector<float> c1_1 = default;
            Vector<float> c2_0 = default; Vector<float> c2_1 = default;
            Vector<float> c3_0 = default; Vector<float> c3_1 = default;
            Vector<float> c4_0 = default; Vector<float> c4_1 = default;
            Vector<float> c5_0 = default; Vector<float> c5_1 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector<float> b0 = Vector.Load(b + 0 * W);
                Vector<float> b1 = Vector.Load(b + 1 * W);
                Vector<float> a0 = new Vector<float>(a[0]);
                c0_0 = Vector.FusedMultiplyAdd(a0, b0, c0_0);
                c0_1 = Vector.FusedMultiplyAdd(a0, b1, c0_1);
                Vector<float> a1 = new Vector<float>(a[1]);
                c1_0 = Vector.FusedMultiplyAdd(a1, b0, c1_0);
                c1_1 = Vector.FusedMultiplyAdd(a1, b1, c1_1);
                Vector<float> a2 = new Vector<float>(a[2]);
                c2_0 = Vector.FusedMultiplyAdd(a2, b0, c2_0);
                c2_1 = Vector.FusedMultiplyAdd(a2, b1, c2_1);
                Vector<float> a3 = new Vector<float>(a[3]);
                c3_0 = Vector.FusedMultiplyAdd(a3, b0, c3_0);
                c3_1 = Vector.FusedMultiplyAdd(a3, b1, c3_1);
                Vector<float> a4 = new Vector<float>(a[4]);
                c4_0 = Vector.FusedMultiplyAdd(a4, b0, c4_0);
                c4_1 = Vector.FusedMultiplyAdd(a4, b1, c4_1);
                Vector<float> a5 = new Vector<float>(a[5]);
                c5_0 = Vector.FusedMultiplyAdd(a5, b0, c5_0);
                c5_1 = Vector.FusedMultiplyAdd(a5, b1, c5_1);
                a += 6;
                b += 2 * W;
            }

            if (add)
            {
                c0_0 += Vector.Load(c + 0 * ldc + 0 * W);
                c0_1 += Vector.Load(c + 0 * ldc + 1 * W);
                c1_0 += Vector.Load(c + 1 * ldc + 0 * W);
                c1_1 += Vector.Load(c + 1 * ldc + 1 * W);
                c2_0 += Vector.Load(c + 2 * ldc + 0 * W);
                c2_1 += Vector.Load(c + 2 * ldc + 1 * W);
                c3_0 += Vector.Load(c + 3 * ldc + 0 * W);
                c3_1 += Vector.Load(c + 3 * ldc + 1 * W);
                c4_0 += Vector.Load(c + 4 * ldc + 0 * W);
                c4_1 += Vector.Load(c + 4 * ldc + 1 * W);
                c5_0 += Vector.Load(c + 5 * ldc + 0 * W);
                c5_1 += Vector.Load(c + 5 * ldc + 1 * W);
            }

            c0_0.Store(c + 0 * ldc + 0 * W);
            c0_1.Store(c + 0 * ldc + 1 * W);
            c1_0.Store(c + 1 * ldc + 0 * W);
            c1_1.Store(c + 1 * ldc + 1 * W);
            c2_0.Store(c + 2 * ldc + 0 * W);
            c2_1.Store(c + 2 * ldc + 1 * W);
            c3_0.Store(c + 3 * ldc + 0 * W);
            c3_1.Store(c + 3 * ldc + 1 * W);
            c4_0.Store(c + 4 * ldc + 0 * W);
            c4_1.Store(c + 4 * ldc + 1 * W);
            c5_0.Store(c + 5 * ldc + 0 * W);
            c5_1.Store(c + 5 * ldc + 1 * W);
        }
    }
}
