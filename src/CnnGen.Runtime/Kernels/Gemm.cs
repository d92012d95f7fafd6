using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Single-precision matrix product on row-major spans: <c>C = op(A) * op(B)</c> (or <c>C += ...</c>),
    /// with <c>op(A)</c> of size m x k and <c>op(B)</c> of size k x n. A transposed operand is stored as its
    /// transpose: A as k x m when <c>transposeA</c>, B as n x k when <c>transposeB</c>.
    /// </summary>
    public static class Gemm
    {
        /// <summary>Computes <c>C (m x n) = op(A) * op(B)</c>, or adds it to C when <paramref name="accumulate"/> is true.</summary>
        public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
            ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate = false)
        {
            Guard.Positive(m, nameof(m));
            Guard.Positive(n, nameof(n));
            Guard.Positive(k, nameof(k));
            Guard.AtLeast(a.Length, (long)m * k, nameof(a));
            Guard.AtLeast(b.Length, (long)k * n, nameof(b));
            Guard.AtLeast(c.Length, (long)m * n, nameof(c));
            MultiplyUnchecked(transposeA, transposeB, m, n, k, a, b, c, accumulate);
        }

        internal static void MultiplyUnchecked(bool transposeA, bool transposeB, int m, int n, int k,
            ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
        {
            if (!accumulate)
            {
                c.Slice(0, m * n).Clear();
            }

            if (!transposeB)
            {
                // Row-axpy form: each row of C gathers scaled rows of B, streaming B contiguously.
                for (int i = 0; i < m; i++)
                {
                    Span<float> cRow = c.Slice(i * n, n);
                    for (int p = 0; p < k; p++)
                    {
                        float s = transposeA ? a[p * m + i] : a[i * k + p];
                        if (s != 0f)
                        {
                            TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), s, cRow, cRow);
                        }
                    }
                }

                return;
            }

            if (!transposeA)
            {
                // A * B^T: every element is a dot product of two contiguous rows.
                for (int i = 0; i < m; i++)
                {
                    ReadOnlySpan<float> aRow = a.Slice(i * k, k);
                    for (int j = 0; j < n; j++)
                    {
                        c[i * n + j] += TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                    }
                }

                return;
            }

            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0f;
                    for (int p = 0; p < k; p++)
                    {
                        sum += a[p * m + i] * b[j * k + p];
                    }

                    c[i * n + j] += sum;
                }
            }
        }
    }
}
