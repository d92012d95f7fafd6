using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            if (GemvPerRow(batch, inputs, outputs))
            {
                // One row, or a few the register tiles do not serve: one pass over W per row (a matrix-vector product that
                // streams W once), bias included.
                for (int n = 0; n < batch; n++)
                {
                    Gemv(inputs, outputs, x.Slice(n * inputs, inputs), weights, bias, y.Slice(n * outputs, outputs));
                }

                return;
            }

            if (GemmFewRows.Applies(batch, outputs, inputs))
            {
                // Up to a moderate batch: W read in place by register tiles, bias included (no packing of W per call).
                FewRows(batch, inputs, outputs, x, weights, bias, y, skipZeros: false);
                return;
            }

            Gemm.MultiplyUnchecked(false, false, batch, outputs, inputs, x, weights, y, accumulate: false);
            if (!bias.IsEmpty)
            {
                BiasAdd(batch, outputs, bias, y);
            }
        }

        /// <summary>
        /// <see cref="Forward"/> for an input that comes out of a ReLU (directly or through max pooling or dropout), where
        /// most values are often exactly zero (82% of SimpleConvNet's pooled activations on MNIST): the rows of W whose input
        /// is zero (in every row of the batch, above one row) are not read, at the batch sizes that read W in place (one row
        /// at a time for 65 to 128 outputs, or the register-tiled product up to 128 rows; AVX-512 only). An input with few
        /// zeros (over three quarters of one row non-zero, over seven eighths of the inputs non-zero somewhere in the batch)
        /// takes the plain walk, as listing would cost more than it saves. The products skipped are all zero and the sums
        /// keep their order, so the result has the same values as <see cref="Forward"/>'s as long as W is finite (an infinite
        /// or NaN weight times zero would be NaN there); a zero result may differ in sign (the plain product adds
        /// <c>w x 0 = +0</c> to a sum of -0, which makes it +0).
        /// </summary>
        public static void ForwardSkippingZeros(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y)
        {
            bool perRow = GemvPerRow(batch, inputs, outputs);
            if (perRow ? !GemvInRegistersApplies(inputs, outputs) : !GemmFewRows.Applies(batch, outputs, inputs))
            {
                Forward(batch, inputs, outputs, x, weights, bias, y);
                return;
            }

            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, outputs, nameof(bias));
            Guard.Length(y.Length, (long)batch * outputs, nameof(y));
            if (perRow)
            {
                for (int n = 0; n < batch; n++)
                {
                    GemvInRegisters(inputs, outputs, x.Slice(n * inputs, inputs), weights, bias, y.Slice(n * outputs, outputs), skipZeros: true);
                }

                return;
            }

            // Several rows: a row of W is skipped when the input is zero in every row of the batch (after a ReLU and max
            // pooling, the image borders, for instance: 47% of SimpleConvNet's inputs at batch 8 on MNIST, 24% at batch 100).
            FewRows(batch, inputs, outputs, x, weights, bias, y, skipZeros: true);
        }

        /// <summary>The register-tiled product (<see cref="GemmFewRows"/>) with the bias, skipping the zero inputs' rows of W or not.</summary>
        private static unsafe void FewRows(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, bool skipZeros)
        {
            fixed (float* px = x)
            fixed (float* pw = weights)
            fixed (float* pb = bias)
            fixed (float* py = y)
            {
                float* b = bias.IsEmpty ? null : pb;
                if (skipZeros) GemmFewRows.RunSkippingZeros(batch, outputs, inputs, px, pw, b, py);
                else GemmFewRows.Run(batch, outputs, inputs, px, pw, b, py);
            }
        }

        /// <summary>Whether <see cref="Forward"/> takes the row-by-row product (one pass over W per row): one row, or a few
        /// rows of a shape the register-tiled product does not serve.</summary>
        private static bool GemvPerRow(int batch, int inputs, int outputs) =>
            batch == 1 || (batch < SmallBatch && !GemmFewRows.Applies(batch, outputs, inputs));

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

            if (!biasGradient.IsEmpty)
            {
                dy.Slice(0, outputs).CopyTo(biasGradient);
                for (int n = 1; n < batch; n++)
                {
                    TensorPrimitives.Add(biasGradient, dy.Slice(n * outputs, outputs), biasGradient);
                }
            }

            if (batch < SmallBatch)
            {
                SmallBatchBackward(batch, inputs, outputs, x, weights, dy, weightGradient, dx);
            }
            else if (dx.IsEmpty)
            {
                Gemm.MultiplyUnchecked(true, false, inputs, outputs, batch, x, dy, weightGradient, accumulate: false);
            }
            else
            {
                // dW = Xᵀ dY and dX = dY Wᵀ are independent: one job of the pool when both are shared among threads.
                Gemm.MultiplyPairUnchecked(true, false, inputs, outputs, batch, x, dy, weightGradient,
                    false, true, batch, inputs, outputs, dy, weights, dx);
            }
        }

        /// <summary>Batches below this size take the row-by-row paths, which read W once per row instead of packing it.</summary>
        private const int SmallBatch = 4;

        private static bool Wide => KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        private static bool Narrow => KernelDispatch.Level >= SimdLevel.Avx2 && Vector256.IsHardwareAccelerated;

        /// <summary><c>y = x W + b</c> for one row: <c>y</c> starts as the bias and takes four rows of W per pass.</summary>
        private static void Gemv(int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            if (GemvInRegistersApplies(inputs, outputs))
            {
                GemvInRegisters(inputs, outputs, x, weights, bias, y, skipZeros: false);
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

        /// <summary>Whether one row goes through <see cref="GemvInRegisters"/> (65 to 128 outputs, AVX-512): the shapes at
        /// which <see cref="ForwardSkippingZeros"/> also skips zero inputs one row at a time.</summary>
        internal static bool GemvInRegistersApplies(int inputs, int outputs) =>
            Wide && Avx512F.IsSupported && outputs <= RegisterOutputs && outputs > RegisterOutputs / 2 && inputs > 2 * RegisterOutputs;

        /// <summary><c>y = x W + b</c> for one row with all of <c>y</c> in up to eight accumulators: W streams through once, row
        /// by row, with one broadcast and one FMA per vector of outputs and no loads or stores of <c>y</c> in the loop.</summary>
        /// <remarks>
        /// <para>A row of W is generally not 64-byte aligned (SimpleConvNet's are 400 bytes apart), and a vector load that
        /// straddles two cache lines costs about twice an aligned one: loading the rows as they lie made this loop bound by its
        /// loads (as slow from L2 as from L3). So every load is aligned: the vectors covering a row are loaded at their 64-byte
        /// boundaries and each pair is shifted into place by one two-source permute, indexed by the row's offset in its
        /// line. A load before the row's start or past its end stays in W's page (aligned loads do not cross pages) and the
        /// permute never selects its other lanes; rows whose last aligned load would pass W's end are added separately.</para>
        /// <para>A W larger than L2 (SimpleConvNet's 1.7 MB) comes from L3, or from memory when other processes crowd L3, on
        /// every call. So W is read in two halves, and each call reads first the half the previous call on this thread read
        /// last, which is still in L2. The halves' sums are added in a fixed order, so the result does not depend on the
        /// order the halves were read in.</para>
        /// <para>With <paramref name="skipZeros"/> only the rows whose input is not zero are visited (listed first by
        /// <see cref="NonzeroIndices"/>), in the same order and halves, so the sums are the same (see
        /// <see cref="ForwardSkippingZeros"/>).</para>
        /// </remarks>
        private static unsafe void GemvInRegisters(int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y,
            bool skipZeros)
        {
            int vectors = (outputs + 15) / 16;
            // Rows whose aligned loads (vectors + 1 of them, from at most 15 floats before the row) end inside W.
            int safeRows = (int)Math.Min(inputs, Math.Max(0, ((long)inputs * outputs - 16 * (vectors + 1)) / outputs + 1));
            int half = safeRows / 2;
            Span<float> sums = stackalloc float[2 * RegisterOutputs];
            int[] listed = skipZeros ? NonzeroIndices.Buffer(safeRows) : Array.Empty<int>();
            // Listing the rows and walking the list cost more than reading a row now and then for nothing (measured at
            // 4,320 x 100: 36 against 27 us with no zeros, 21 against 22 with half of them zero, 9.5 against 23 with 18%
            // left), so a mostly non-zero input takes the plain walk.
            skipZeros &= NonzeroIndices.Count(x.Slice(0, safeRows)) * 4L <= safeRows * 3L;
            int count = skipZeros ? NonzeroIndices.Gather(x.Slice(0, safeRows), listed) : 0;
            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* sp = sums)
            fixed (int* shifts = s_shiftIndices)
            fixed (int* lp = listed)
            {
                // The listed rows split where the halves do.
                int listedHalf = skipZeros ? new ListedRows(lp, count).Position(half) : 0;
                bool upperFirst = HalfOrder.UpperFirst(wp);
                for (int pass = 0; pass < 2; pass++)
                {
                    bool upper = (pass == 0) == upperFirst;
                    float* sum = upper ? sp + RegisterOutputs : sp;
                    if (skipZeros) SumRowsAligned(vectors, xp, wp, outputs, new ListedRows(lp, count), upper ? listedHalf : 0, upper ? count : listedHalf, shifts, sum);
                    else SumRowsAligned(vectors, xp, wp, outputs, default(AllRows), upper ? half : 0, upper ? safeRows : half, shifts, sum);
                }
            }

            Span<float> result = sums.Slice(0, outputs);
            TensorPrimitives.Add(result, sums.Slice(RegisterOutputs, outputs), result);
            for (int i = safeRows; i < inputs; i++)
            {
                if (skipZeros && x[i] == 0) continue;
                TensorPrimitives.MultiplyAdd(weights.Slice(i * outputs, outputs), x[i], result, result);
            }

            if (bias.IsEmpty) result.CopyTo(y);
            else TensorPrimitives.Add(result, bias, y);
        }

        /// <summary>Permute indices that take 16 consecutive floats starting at lane <c>s</c> of two concatenated vectors, for
        /// <c>s</c> = 0..15 (row <c>s</c> of this table).</summary>
        private static readonly int[] s_shiftIndices = BuildShiftIndices();

        private static int[] BuildShiftIndices()
        {
            var table = new int[16 * 16];
            for (int s = 0; s < 16; s++)
            {
                for (int lane = 0; lane < 16; lane++) table[16 * s + lane] = s + lane;
            }

            return table;
        }

        /// <summary><see cref="SumRowsAligned{TVectors, TRows}"/> for <paramref name="vectors"/> (5 to 8) vectors of outputs.</summary>
        private static unsafe void SumRowsAligned<TRows>(int vectors, float* xp, float* wp, int outputs, TRows rows, int t0, int t1, int* shifts, float* sum)
            where TRows : struct, IRowWalk
        {
            switch (vectors)
            {
                case 5: SumRowsAligned<Five, TRows>(xp, wp, outputs, rows, t0, t1, shifts, sum); break;
                case 6: SumRowsAligned<Six, TRows>(xp, wp, outputs, rows, t0, t1, shifts, sum); break;
                case 7: SumRowsAligned<Seven, TRows>(xp, wp, outputs, rows, t0, t1, shifts, sum); break;
                default: SumRowsAligned<Eight, TRows>(xp, wp, outputs, rows, t0, t1, shifts, sum); break;
            }
        }

        /// <summary>The first <c>16 * TVectors</c> sums <c>sum over t in [t0, t1) of x[i] W[i, ..]</c>, <c>i = rows.Row(t)</c>, into
        /// <paramref name="sum"/>, every load of W aligned (see <see cref="GemvInRegisters"/>). The walk is a struct type, so
        /// the JIT compiles the plain row loop and the listed one separately, each without a test inside.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void SumRowsAligned<TVectors, TRows>(float* xp, float* wp, int outputs, TRows rows, int t0, int t1, int* shifts, float* sum)
            where TVectors : struct, ICount
            where TRows : struct, IRowWalk
        {
            int v = TVectors.Value;
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int t = t0; t < t1; t++)
            {
                int i = rows.Row(t);
                nint address = (nint)(wp + (long)i * outputs);
                float* line = (float*)(address & ~(nint)63);
                Vector512<int> shift = Vector512.Load(shifts + 16 * (int)((address & 63) >> 2));
                Vector512<float> xi = Vector512.Create(xp[i]);
                Vector512<float> l0 = Vector512.LoadAligned(line), l1 = Vector512.LoadAligned(line + 16);
                a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l0, shift, l1), xi, a0);
                Vector512<float> l2 = Vector512.LoadAligned(line + 32);
                a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l1, shift, l2), xi, a1);
                Vector512<float> l3 = Vector512.LoadAligned(line + 48);
                a2 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l2, shift, l3), xi, a2);
                Vector512<float> l4 = Vector512.LoadAligned(line + 64);
                a3 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l3, shift, l4), xi, a3);
                Vector512<float> l5 = Vector512.LoadAligned(line + 80);
                a4 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l4, shift, l5), xi, a4);
                if (v > 5)
                {
                    Vector512<float> l6 = Vector512.LoadAligned(line + 96);
                    a5 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l5, shift, l6), xi, a5);
                    if (v > 6)
                    {
                        Vector512<float> l7 = Vector512.LoadAligned(line + 112);
                        a6 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l6, shift, l7), xi, a6);
                        if (v > 7)
                        {
                            Vector512<float> l8 = Vector512.LoadAligned(line + 128);
                            a7 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l7, shift, l8), xi, a7);
                        }
                    }
                }
            }

            a0.Store(sum); a1.Store(sum + 16); a2.Store(sum + 32); a3.Store(sum + 48);
            a4.Store(sum + 64); a5.Store(sum + 80); a6.Store(sum + 96); a7.Store(sum + 112);
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
