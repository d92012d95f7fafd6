using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The notes' Affine layer, <c>Y (N x out) = X (N x in) * W (in x out) + b</c>, with X the flattened
    /// (C, H, W) input.
    /// </summary>
    public static class Dense
    {
        /// <summary>Forward pass; <paramref name="bias"/> may be empty.</summary>
        public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, outputs, nameof(bias));
            Guard.Length(y.Length, (long)batch * outputs, nameof(y));
            if (batch > 1 && GemmFewRows.Applies(batch, outputs, inputs))
            {
                // Up to a moderate batch: W read in place by register tiles, bias included (no packing of W per call).
                unsafe
                {
                    fixed (float* px = x)
                    fixed (float* pw = weights)
                    fixed (float* pb = bias)
                    fixed (float* py = y)
                    {
                        GemmFewRows.Run(batch, outputs, inputs, px, pw, bias.IsEmpty ? null : pb, py);
                    }
                }

                return;
            }

            if (batch < SmallBatch)
            {
                // A few rows: one pass over W per row (a matrix-vector product that streams W once), bias included.
                for (int n = 0; n < batch; n++)
                {
                    Gemv(inputs, outputs, x.Slice(n * inputs, inputs), weights, bias, y.Slice(n * outputs, outputs));
                }

                return;
            }

            Gemm.MultiplyUnchecked(false, false, batch, outputs, inputs, x, weights, y, accumulate: false);
            if (!bias.IsEmpty)
            {
                BiasAdd(batch, outputs, bias, y);
            }
        }

        /// <summary>Adds <paramref name="bias"/> to every row of <paramref name="y"/> (batch x outputs).</summary>
        public static void BiasAdd(int batch, int outputs, ReadOnlySpan<float> bias, Span<float> y)
        {
            for (int n = 0; n < batch; n++)
            {
                Span<float> row = y.Slice(n * outputs, outputs);
                TensorPrimitives.Add(row, bias, row);
            }
        }

        /// <summary>Backward pass, <b>overwriting</b> the gradients: <c>dW = Xᵀ dY</c>, <c>db = column sums of dY</c>,
        /// <c>dX = dY Wᵀ</c>. <paramref name="dx"/> may be empty when the input needs no gradient.</summary>
        public static void Backward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> dy, Span<float> weightGradient, Span<float> biasGradient, Span<float> dx)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            Guard.Length(dy.Length, (long)batch * outputs, nameof(dy));
            Guard.Length(weightGradient.Length, (long)inputs * outputs, nameof(weightGradient));
            if (!biasGradient.IsEmpty) Guard.Length(biasGradient.Length, outputs, nameof(biasGradient));
            if (!dx.IsEmpty) Guard.Length(dx.Length, (long)batch * inputs, nameof(dx));

            if (batch < SmallBatch)
            {
                SmallBatchBackward(batch, inputs, outputs, x, weights, dy, weightGradient, dx);
            }
            else
            {
                Gemm.MultiplyUnchecked(true, false, inputs, outputs, batch, x, dy, weightGradient, accumulate: false);
            }

            if (!biasGradient.IsEmpty)
            {
                dy.Slice(0, outputs).CopyTo(biasGradient);
                for (int n = 1; n < batch; n++)
                {
                    TensorPrimitives.Add(biasGradient, dy.Slice(n * outputs, outputs), biasGradient);
                }
            }

            if (!dx.IsEmpty && batch >= SmallBatch)
            {
                Gemm.MultiplyUnchecked(false, true, batch, inputs, outputs, dy, weights, dx, accumulate: false);
            }
        }

        /// <summary>Batches below this size take the row-by-row paths, which read W once per row instead of packing it.</summary>
        private const int SmallBatch = 4;

        private static bool Wide => KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        private static bool Narrow => KernelDispatch.Level >= SimdLevel.Avx2 && Vector256.IsHardwareAccelerated;

        /// <summary><c>y = x W + b</c> for one row: <c>y</c> starts as the bias and takes four rows of W per pass.</summary>
        private static void Gemv(int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            if (Wide && outputs <= RegisterOutputs && outputs > RegisterOutputs / 2 && inputs > 2 * RegisterOutputs)
            {
                GemvInRegisters(inputs, outputs, x, weights, bias, y);
                return;
            }

            if (bias.IsEmpty) y.Clear();
            else bias.CopyTo(y);
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref float acc = ref MemoryMarshal.GetReference(y);
            int i = 0;
            for (; i + 4 <= inputs; i += 4)
            {
                float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
                ref float w0 = ref Unsafe.Add(ref w, (nint)i * outputs);
                ref float w1 = ref Unsafe.Add(ref w0, outputs);
                ref float w2 = ref Unsafe.Add(ref w1, outputs);
                ref float w3 = ref Unsafe.Add(ref w2, outputs);
                int j = 0;
                if (Wide)
                {
                    Vector512<float> v0 = Vector512.Create(x0), v1 = Vector512.Create(x1), v2 = Vector512.Create(x2), v3 = Vector512.Create(x3);
                    for (; j + 16 <= outputs; j += 16)
                    {
                        Vector512<float> a = Vector512.LoadUnsafe(ref acc, (nuint)j);
                        a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w0, (nuint)j), v0, a);
                        a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w1, (nuint)j), v1, a);
                        a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)j), v2, a);
                        a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w3, (nuint)j), v3, a);
                        a.StoreUnsafe(ref acc, (nuint)j);
                    }
                }

                if (Narrow)
                {
                    Vector256<float> v0 = Vector256.Create(x0), v1 = Vector256.Create(x1), v2 = Vector256.Create(x2), v3 = Vector256.Create(x3);
                    for (; j + 8 <= outputs; j += 8)
                    {
                        Vector256<float> a = Vector256.LoadUnsafe(ref acc, (nuint)j);
                        a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)j), v0, a);
                        a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w1, (nuint)j), v1, a);
                        a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w2, (nuint)j), v2, a);
                        a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w3, (nuint)j), v3, a);
                        a.StoreUnsafe(ref acc, (nuint)j);
                    }
                }

                for (; j < outputs; j++)
                {
                    Unsafe.Add(ref acc, j) += Unsafe.Add(ref w0, j) * x0 + Unsafe.Add(ref w1, j) * x1 + Unsafe.Add(ref w2, j) * x2 + Unsafe.Add(ref w3, j) * x3;
                }
            }

            for (; i < inputs; i++)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(i * outputs, outputs), x[i], y, y);
            }
        }

        /// <summary>Outputs that <see cref="GemvInRegisters"/> keeps in eight vector registers.</summary>
        private const int RegisterOutputs = 128;

        /// <summary><c>y = x W + b</c> for one row with all of <c>y</c> in eight accumulators: W streams through once, row by row,
        /// with one broadcast and eight FMAs per row and no loads or stores of <c>y</c> in the loop. A row's vector loads run
        /// up to <c>128 - outputs</c> floats into the next row (those lanes are discarded), so the last rows, where that would
        /// read past W, are added separately.</summary>
        /// <remarks>A W larger than L2 (SimpleConvNet's 1.7 MB) comes from L3, or from memory when other processes crowd
        /// L3, on every call. So W is read in two halves, and each call reads first the half the previous call on this
        /// thread read last, which is still in L2: about half of W is then read from L2. The halves' sums are added in a
        /// fixed order, so the result does not depend on the order the halves were read in.</remarks>
        private static unsafe void GemvInRegisters(int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            // Rows whose 128-float read stays inside W.
            int safeRows = (int)Math.Min(inputs, ((long)inputs * outputs - RegisterOutputs) / outputs + 1);
            int half = safeRows / 2;
            Span<float> sums = stackalloc float[2 * RegisterOutputs];
            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* sp = sums)
            {
                if (HalfOrder.UpperFirst(wp))
                {
                    SumRows(xp, wp, outputs, half, safeRows, sp + RegisterOutputs);
                    SumRows(xp, wp, outputs, 0, half, sp);
                }
                else
                {
                    SumRows(xp, wp, outputs, 0, half, sp);
                    SumRows(xp, wp, outputs, half, safeRows, sp + RegisterOutputs);
                }
            }

            Span<float> result = sums.Slice(0, outputs);
            TensorPrimitives.Add(result, sums.Slice(RegisterOutputs, outputs), result);
            for (int i = safeRows; i < inputs; i++)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(i * outputs, outputs), x[i], result, result);
            }

            if (bias.IsEmpty) result.CopyTo(y);
            else TensorPrimitives.Add(result, bias, y);
        }

        /// <summary>The 128 sums <c>sum over rows i in [r0, r1) of x[i] W[i, 0..128)</c> into <paramref name="sum"/>: the range's
        /// two halves stream side by side (two independent read streams keep more memory requests in flight).</summary>
        private static unsafe void SumRows(float* xp, float* wp, int outputs, int r0, int r1, float* sum)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            Vector512<float> c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
            int half = (r1 - r0) / 2;
            float* row = wp + (long)r0 * outputs, other = row + (long)half * outputs;
            float* xa = xp + r0, xc = xa + half;
            for (int i = 0; i < half; i++, row += outputs, other += outputs)
            {
                Vector512<float> v = Vector512.Create(xa[i]), u = Vector512.Create(xc[i]);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), v, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 16), v, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 32), v, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 48), v, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 64), v, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 80), v, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 96), v, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 112), v, a7);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Load(other), u, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 16), u, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 32), u, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 48), u, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 64), u, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 80), u, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 96), u, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Load(other + 112), u, c7);
            }

            row = wp + (long)(r0 + 2 * half) * outputs;
            for (int i = r0 + 2 * half; i < r1; i++, row += outputs)
            {
                Vector512<float> v = Vector512.Create(xp[i]);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), v, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 16), v, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 32), v, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 48), v, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 64), v, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 80), v, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 96), v, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 112), v, a7);
            }

            (a0 + c0).Store(sum); (a1 + c1).Store(sum + 16); (a2 + c2).Store(sum + 32); (a3 + c3).Store(sum + 48);
            (a4 + c4).Store(sum + 64); (a5 + c5).Store(sum + 80); (a6 + c6).Store(sum + 96); (a7 + c7).Store(sum + 112);
        }

        /// <summary>Which half of a weight matrix <see cref="GemvInRegisters"/> reads first on this thread: the one it read last
        /// the previous time, remembered for the last few matrices (by address; a stale entry only costs the L2 hits).</summary>
        internal static class HalfOrder
        {
            private const int Entries = 8;

            [ThreadStatic] private static nint[]? t_matrices;
            [ThreadStatic] private static bool[]? t_upperLast;
            [ThreadStatic] private static int t_next;

            public static unsafe bool UpperFirst(float* weights)
            {
                nint[] matrices = t_matrices ??= new nint[Entries];
                bool[] upperLast = t_upperLast ??= new bool[Entries];
                nint key = (nint)weights;
                int slot = Array.IndexOf(matrices, key);
                if (slot < 0)
                {
                    slot = t_next;
                    t_next = (t_next + 1) % Entries;
                    matrices[slot] = key;
                    upperLast[slot] = true;
                }

                // Read last time's last half first; it is then this call's first half, so the other one is read last.
                bool upperFirst = upperLast[slot];
                upperLast[slot] = !upperFirst;
                return upperFirst;
            }
        }

        /// <summary>The backward pass for a few rows in one pass over W: <c>dW[i,:] = sum_n x[n,i] dy[n,:]</c> and
        /// <c>dx[n,i] = W[i,:] . dy[n,:]</c>.</summary>
        private static void SmallBatchBackward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> dy, Span<float> weightGradient, Span<float> dx)
        {
            for (int i = 0; i < inputs; i++)
            {
                Span<float> gradientRow = weightGradient.Slice(i * outputs, outputs);
                ReadOnlySpan<float> weightRow = weights.Slice(i * outputs, outputs);
                TensorPrimitives.Multiply(dy.Slice(0, outputs), x[i], gradientRow);
                if (!dx.IsEmpty) dx[i] = TensorPrimitives.Dot(weightRow, dy.Slice(0, outputs));
                for (int n = 1; n < batch; n++)
                {
                    ReadOnlySpan<float> dyRow = dy.Slice(n * outputs, outputs);
                    TensorPrimitives.MultiplyAdd(dyRow, x[n * inputs + i], gradientRow, gradientRow);
                    if (!dx.IsEmpty) dx[n * inputs + i] = TensorPrimitives.Dot(weightRow, dyRow);
                }
            }
        }
    }
}
