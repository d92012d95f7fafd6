using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The unpacked product for tiny problems and single rows: no packing, no buffers, no threads.
    /// Rows of C are built either as sums of scaled rows of B (axpy form, B not transposed) or as dot
    /// products of contiguous rows (B transposed, or a single column).
    /// </summary>
    internal static unsafe class GemmDirect
    {
        public static void Run(SimdLevel level, in GemmProblem pr)
        {
            int m = pr.M, n = pr.N, k = pr.K;
            float* a = pr.A, b = pr.B, c = pr.C;
            if (!pr.TransB && n > 1)
            {
                for (int i = 0; i < m; i++)
                {
                    float* row = c + (long)i * n;
                    if (!pr.Accumulate)
                    {
                        for (int j = 0; j < n; j++) row[j] = 0f;
                    }

                    for (int p = 0; p < k; p++)
                    {
                        float s = pr.TransA ? a[(long)p * m + i] : a[(long)i * k + p];
                        Axpy(level, s, b + (long)p * n, row, n);
                    }
                }

                return;
            }

            // Column j of op(B) is contiguous: B is stored n x k, or n == 1.
            bool rowsContiguous = !pr.TransA || m == 1;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    float* col = b + (long)j * k;
                    float sum;
                    if (rowsContiguous)
                    {
                        sum = Dot(level, a + (long)i * k, col, k);
                    }
                    else
                    {
                        sum = 0f;
                        for (int p = 0; p < k; p++) sum += a[(long)p * m + i] * col[p];
                    }

                    float* dst = c + (long)i * n + j;
                    *dst = pr.Accumulate ? *dst + sum : sum;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Axpy(SimdLevel level, float s, float* x, float* y, int count)
        {
            int j = 0;
            switch (level)
            {
                case SimdLevel.Avx512:
                    {
                        var vs = Vector512.Create(s);
                        for (; j <= count - 16; j += 16)
                        {
                            Avx512F.FusedMultiplyAdd(vs, Vector512.Load(x + j), Vector512.Load(y + j)).Store(y + j);
                        }

                        break;
                    }

                case SimdLevel.Avx2:
                    {
                        var vs = Vector256.Create(s);
                        for (; j <= count - 8; j += 8)
                        {
                            Fma.MultiplyAdd(vs, Vector256.Load(x + j), Vector256.Load(y + j)).Store(y + j);
                        }

                        break;
                    }

                case SimdLevel.Portable:
                    {
                        var vs = new Vector<float>(s);
                        int w = Vector<float>.Count;
                        for (; j <= count - w; j += w)
                        {
                            Vector.FusedMultiplyAdd(vs, Vector.Load(x + j), Vector.Load(y + j)).Store(y + j);
                        }

                        break;
                    }
            }

            for (; j < count; j++) y[j] += s * x[j];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Dot(SimdLevel level, float* x, float* y, int count)
        {
            int j = 0;
            float sum = 0f;
            switch (level)
            {
                case SimdLevel.Avx512:
                    {
                        var acc = Vector512<float>.Zero;
                        for (; j <= count - 16; j += 16)
                        {
                            acc = Avx512F.FusedMultiplyAdd(Vector512.Load(x + j), Vector512.Load(y + j), acc);
                        }

                        sum = Vector512.Sum(acc);
                        break;
                    }

                case SimdLevel.Avx2:
                    {
                        var acc = Vector256<float>.Zero;
                        for (; j <= count - 8; j += 8)
                        {
                            acc = Fma.MultiplyAdd(Vector256.Load(x + j), Vector256.Load(y + j), acc);
                        }

                        sum = Vector256.Sum(acc);
                        break;
                    }

                case SimdLevel.Portable:
                    {
                        var acc = Vector<float>.Zero;
                        int w = Vector<float>.Count;
                        for (; j <= count - w; j += w)
                        {
                            acc = Vector.FusedMultiplyAdd(Vector.Load(x + j), Vector.Load(y + j), acc);
                        }

                        sum = Vector.Sum(acc);
                        break;
                    }
            }

            for (; j < count; j++) sum += x[j] * y[j];
            return sum;
        }
    }
}
