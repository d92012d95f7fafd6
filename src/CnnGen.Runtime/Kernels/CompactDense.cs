using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Affine forward with weights stored in bfloat16 (the upper 16 bits of a float32), widened to float in
    /// registers. At small batch sizes an affine layer streams its whole weight matrix once per sample, so halving
    /// the bytes halves that traffic and lets SimpleConvNet's 1.7 MB <c>W2</c> (0.86 MB compact) stay in a 1 MB L2.
    /// Accumulation stays in float32; only the weights lose precision (8 significant bits: relative rounding error
    /// at most 2^-8).
    /// </summary>
    /// <remarks>
    /// Layout: rows are taken in pairs and each 32-bit word holds one column of a pair, row <c>2p+1</c> as bfloat16 in the
    /// low half and row <c>2p</c> in the high half. A shift turns a loaded vector into the odd row's floats; the even row's
    /// floats are the words themselves, read as float32 with no masking: the low half then acts as eight more mantissa
    /// bits, so the high half is chosen (by <see cref="Compress"/>) to make the whole word the float nearest the even
    /// weight among those ending in that low half. Its error is thus no larger than bfloat16 rounding, and the kernel
    /// saves one vector instruction per sixteen weights. Columns are padded to a multiple of 16 (one
    /// <see cref="Vector512{T}"/> of floats); padding is zero.
    /// </remarks>
    public static class CompactDense
    {
        private const int Lanes = 16;

        /// <summary>Generated networks use their compact weights for batches below this size. A forward pass streams the
        /// weights once per sample, so small batches are bound by the weights' bytes; from here on each weight is reused
        /// across the batch, the product is bound by arithmetic, and the float32 weights are as fast and exact.</summary>
        public const int MaxBatch = 8;

        [ThreadStatic] private static float[]? t_row;

        /// <summary>Columns after padding to a whole number of 16-float vectors.</summary>
        public static int PaddedOutputs(int outputs) => (outputs + Lanes - 1) / Lanes * Lanes;

        /// <summary>Length, in 16-bit values, of the compact buffer for an (inputs x outputs) matrix: the row pairs and a
        /// zero tail that lets the kernel load a whole block of eight vectors past the last row.</summary>
        public static int BufferLength(int inputs, int outputs) => checked(2 * ((inputs + 1) / 2) * PaddedOutputs(outputs) + 2 * TailWords);

        /// <summary>Words (32-bit) of zero tail after the last row pair: a block load reaches at most this far past it.</summary>
        private const int TailWords = BlockVectors * Lanes;

        /// <summary>Vectors of columns the kernel keeps in registers per pass over the rows.</summary>
        private const int BlockVectors = 8;

        /// <summary>Rounds one float to bfloat16 (round to nearest, ties to even; NaN stays NaN).</summary>
        public static ushort ToBFloat16(float value)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
            {
                return (ushort)((bits >> 16) | 0x0040); // quiet NaN
            }

            return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }

        /// <summary>The float a bfloat16 value stands for.</summary>
        public static float Expand(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

        /// <summary>Packs <paramref name="weights"/> (inputs x outputs, row-major) into the compact layout.</summary>
        public static void Compress(int inputs, int outputs, ReadOnlySpan<float> weights, Span<ushort> compact)
        {
            Guard.Positive(inputs, nameof(inputs));
            Guard.Positive(outputs, nameof(outputs));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            Guard.Length(compact.Length, BufferLength(inputs, outputs), nameof(compact));
            Span<uint> words = MemoryMarshal.Cast<ushort, uint>(compact);
            words.Clear();
            int stride = PaddedOutputs(outputs);
            for (int i = 0; i < inputs; i += 2)
            {
                Span<uint> row = words.Slice(i / 2 * stride, stride);
                for (int j = 0; j < outputs; j++)
                {
                    ushort low = i + 1 < inputs ? ToBFloat16(weights[(i + 1) * outputs + j]) : (ushort)0;
                    row[j] = EvenWord(weights[i * outputs + j], low);
                }
            }
        }

        /// <summary>The word ending in <paramref name="low"/> whose float32 value is nearest <paramref name="value"/> (same sign,
        /// finite); infinities and NaN keep their bfloat16 high half (the word is then not finite).</summary>
        internal static uint EvenWord(float value, ushort low)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            uint sign = bits & 0x8000_0000, magnitude = bits & 0x7FFF_FFFF;
            if (magnitude >= 0x7F80_0000)
            {
                return ((uint)ToBFloat16(value) << 16) | low;
            }

            uint high = magnitude & 0x7FFF_0000;
            uint best = high | low;
            double bestError = Math.Abs(BitConverter.UInt32BitsToSingle(sign | best) - (double)value);
            if (high >= 0x1_0000)
            {
                uint below = (high - 0x1_0000) | low;
                double error = Math.Abs(BitConverter.UInt32BitsToSingle(sign | below) - (double)value);
                if (error < bestError) { best = below; bestError = error; }
            }

            if (high + 0x1_0000 < 0x7F80_0000)
            {
                uint above = (high + 0x1_0000) | low;
                double error = Math.Abs(BitConverter.UInt32BitsToSingle(sign | above) - (double)value);
                if (error < bestError) { best = above; }
            }

            return sign | best;
        }

        /// <summary>The weight at (<paramref name="input"/>, <paramref name="output"/>) as stored, widened to float.</summary>
        public static float WeightAt(int inputs, int outputs, ReadOnlySpan<ushort> compact, int input, int output)
        {
            uint word = MemoryMarshal.Cast<ushort, uint>(compact)[input / 2 * PaddedOutputs(outputs) + output];
            return BitConverter.UInt32BitsToSingle((input & 1) == 0 ? word : word << 16);
        }

        /// <summary><c>Y (batch x outputs) = X (batch x inputs) * W + b</c> with W a <see cref="CompactMatrix"/>.
        /// <paramref name="bias"/> may be empty.</summary>
        public static void Forward(int batch, ReadOnlySpan<float> x, CompactMatrix weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            ArgumentNullException.ThrowIfNull(weights);
            Forward(batch, weights.Inputs, weights.Outputs, x, weights.Values, bias, y);
        }

        /// <summary><c>Y (batch x outputs) = X (batch x inputs) * W + b</c> with W packed by <see cref="Compress"/>.
        /// <paramref name="bias"/> may be empty.</summary>
        public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<ushort> weights,
            ReadOnlySpan<float> bias, Span<float> y) => Forward(batch, inputs, outputs, x, weights, bias, y, skipZeros: false);

        /// <summary><see cref="Forward(int, ReadOnlySpan{float}, CompactMatrix, ReadOnlySpan{float}, Span{float})"/> for an input
        /// that comes out of a ReLU (see <see cref="Dense.ForwardSkippingZeros"/>): the row pairs whose two inputs are both zero
        /// are not read (with AVX-512, when at most three quarters of the pairs have a non-zero input). The same values as
        /// <see cref="Forward(int, ReadOnlySpan{float}, CompactMatrix, ReadOnlySpan{float}, Span{float})"/>'s as long as the
        /// weights are finite, but for the sign of a zero result.</summary>
        public static void ForwardSkippingZeros(int batch, ReadOnlySpan<float> x, CompactMatrix weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            ArgumentNullException.ThrowIfNull(weights);
            Forward(batch, weights.Inputs, weights.Outputs, x, weights.Values, bias, y, skipZeros: true);
        }

        private static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<ushort> weights,
            ReadOnlySpan<float> bias, Span<float> y, bool skipZeros)
        {
            Guard.Batch(batch);
            Guard.Positive(inputs, nameof(inputs));
            Guard.Positive(outputs, nameof(outputs));
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, BufferLength(inputs, outputs), nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, outputs, nameof(bias));
            Guard.Length(y.Length, (long)batch * outputs, nameof(y));

            ReadOnlySpan<uint> words = MemoryMarshal.Cast<ushort, uint>(weights);
            int stride = PaddedOutputs(outputs);
            // The kernels write whole vectors, padding included: a per-thread row buffer, grown once (a stackalloc
            // of the row would overflow the stack for wide layers).
            if (t_row is null || t_row.Length < stride + TailWords) t_row = new float[stride + TailWords];
            Span<float> row = t_row.AsSpan(0, stride + TailWords);
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> xs = x.Slice(n * inputs, inputs);
                if (KernelDispatch.Level == SimdLevel.Avx512 && Vector512.IsHardwareAccelerated)
                {
                    Vector512Row(inputs, stride, xs, words, row, skipZeros);
                }
                else
                {
                    ScalarRow(inputs, stride, xs, words, row);
                }

                Span<float> output = y.Slice(n * outputs, outputs);
                row.Slice(0, outputs).CopyTo(output);
                if (!bias.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(output, bias, output);
            }
        }

        private static void ScalarRow(int inputs, int stride, ReadOnlySpan<float> x, ReadOnlySpan<uint> words, Span<float> row)
        {
            row.Clear();
            for (int i = 0; i < inputs; i++)
            {
                ReadOnlySpan<uint> pair = words.Slice(i / 2 * stride, stride);
                bool high = (i & 1) == 0;
                float xi = x[i];
                for (int j = 0; j < stride; j++)
                {
                    row[j] += xi * BitConverter.UInt32BitsToSingle(high ? pair[j] : pair[j] << 16);
                }
            }
        }

        /// <summary>
        /// One pass over the rows per block of up to eight column vectors (128 floats), all of the block's sums in registers:
        /// each row pair costs eight loads, two broadcasts, eight shifts and sixteen FMAs, and W streams through once, in order. A block
        /// narrower than eight vectors still loads eight (the extra lanes read the next row pair, or the zero tail after the
        /// last, and are discarded), so one unrolled kernel serves every width. Even and odd rows keep separate sums, so
        /// sixteen independent FMA chains hide the FMA latency.
        /// </summary>
        /// <remarks>With <paramref name="skipZeros"/> only the row pairs with an input that is not zero are visited (listed first
        /// by <see cref="NonzeroIndices.GatherPairs"/>), in the same order, so the sums are the same; an input with few zeros
        /// takes the plain walk (listing would cost more than it saves).</remarks>
        private static unsafe void Vector512Row(int inputs, int stride, ReadOnlySpan<float> x, ReadOnlySpan<uint> words, Span<float> row, bool skipZeros)
        {
            int pairs = inputs / 2;
            int[] listed = skipZeros ? NonzeroIndices.Buffer(pairs) : Array.Empty<int>();
            // Listed only when at most three quarters of the pairs have a non-zero input (a pair is skipped only when both
            // are zero, so a quarter of the values being zero is necessary).
            skipZeros &= NonzeroIndices.Count(x.Slice(0, 2 * pairs)) * 4L <= 2L * pairs * 3L;
            int count = skipZeros ? NonzeroIndices.GatherPairs(x, listed) : pairs;
            fixed (float* xp = x)
            fixed (uint* wp = words)
            fixed (float* rp = row)
            fixed (int* lp = listed)
            {
                if (skipZeros && count * 4L <= pairs * 3L) SumPairs(inputs, stride, xp, wp, rp, new ListedRows(lp, count), count);
                else SumPairs(inputs, stride, xp, wp, rp, default(AllRows), pairs);
            }
        }

        /// <summary><see cref="Vector512Row"/>'s sums over the row pairs <c>rows.Row(t)</c>, <c>t</c> in [0, <paramref name="count"/>).</summary>
        private static unsafe void SumPairs<TRows>(int inputs, int stride, float* xp, uint* wp, float* rp, TRows rows, int count)
            where TRows : struct, IRowWalk
        {
            int pairs = inputs / 2;
            for (int j = 0; j < stride; j += BlockVectors * Lanes)
            {
                Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default, e6 = default, e7 = default;
                Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default, o6 = default, o7 = default;
                uint* w;
                for (int t = 0; t < count; t++)
                {
                    int p = rows.Row(t);
                    w = wp + j + (long)p * stride;
                    var xe = Vector512.Create(xp[2 * p]);
                    var xo = Vector512.Create(xp[2 * p + 1]);
                    Vector512<uint> w0 = Vector512.Load(w), w1 = Vector512.Load(w + 16), w2 = Vector512.Load(w + 32), w3 = Vector512.Load(w + 48);
                    Vector512<uint> w4 = Vector512.Load(w + 64), w5 = Vector512.Load(w + 80), w6 = Vector512.Load(w + 96), w7 = Vector512.Load(w + 112);
                    e0 = Vector512.FusedMultiplyAdd(xe, w0.AsSingle(), e0);
                    o0 = Vector512.FusedMultiplyAdd(xo, (w0 << 16).AsSingle(), o0);
                    e1 = Vector512.FusedMultiplyAdd(xe, w1.AsSingle(), e1);
                    o1 = Vector512.FusedMultiplyAdd(xo, (w1 << 16).AsSingle(), o1);
                    e2 = Vector512.FusedMultiplyAdd(xe, w2.AsSingle(), e2);
                    o2 = Vector512.FusedMultiplyAdd(xo, (w2 << 16).AsSingle(), o2);
                    e3 = Vector512.FusedMultiplyAdd(xe, w3.AsSingle(), e3);
                    o3 = Vector512.FusedMultiplyAdd(xo, (w3 << 16).AsSingle(), o3);
                    e4 = Vector512.FusedMultiplyAdd(xe, w4.AsSingle(), e4);
                    o4 = Vector512.FusedMultiplyAdd(xo, (w4 << 16).AsSingle(), o4);
                    e5 = Vector512.FusedMultiplyAdd(xe, w5.AsSingle(), e5);
                    o5 = Vector512.FusedMultiplyAdd(xo, (w5 << 16).AsSingle(), o5);
                    e6 = Vector512.FusedMultiplyAdd(xe, w6.AsSingle(), e6);
                    o6 = Vector512.FusedMultiplyAdd(xo, (w6 << 16).AsSingle(), o6);
                    e7 = Vector512.FusedMultiplyAdd(xe, w7.AsSingle(), e7);
                    o7 = Vector512.FusedMultiplyAdd(xo, (w7 << 16).AsSingle(), o7);
                }

                w = wp + j + (long)pairs * stride;
                if ((inputs & 1) != 0 && (typeof(TRows) == typeof(AllRows) || xp[inputs - 1] != 0))
                {
                    // The last row alone: the last pair's words (their low halves are zero).
                    var xe = Vector512.Create(xp[inputs - 1]);
                    e0 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w).AsSingle(), e0);
                    e1 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 16).AsSingle(), e1);
                    e2 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 32).AsSingle(), e2);
                    e3 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 48).AsSingle(), e3);
                    e4 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 64).AsSingle(), e4);
                    e5 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 80).AsSingle(), e5);
                    e6 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 96).AsSingle(), e6);
                    e7 = Vector512.FusedMultiplyAdd(xe, Vector512.Load(w + 112).AsSingle(), e7);
                }

                // The row buffer has room for a whole block past the padded width; lanes past it are discarded.
                float* r = rp + j;
                (e0 + o0).Store(r);
                (e1 + o1).Store(r + 16);
                (e2 + o2).Store(r + 32);
                (e3 + o3).Store(r + 48);
                (e4 + o4).Store(r + 64);
                (e5 + o5).Store(r + 80);
                (e6 + o6).Store(r + 96);
                (e7 + o7).Store(r + 112);
            }
        }
    }
}
