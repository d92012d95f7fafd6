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
    /// Layout: rows are taken in pairs and each 32-bit word holds one column of a pair, row <c>2p</c> in the high
    /// half and row <c>2p+1</c> in the low half, so one AND and one shift turn a loaded vector into two float
    /// vectors. Columns are padded to a multiple of 16 (one <see cref="Vector512{T}"/> of floats); padding is zero.
    /// </remarks>
    public static class CompactDense
    {
        private const int Lanes = 16;

        [ThreadStatic] private static float[]? t_row;

        /// <summary>Columns after padding to a whole number of 16-float vectors.</summary>
        public static int PaddedOutputs(int outputs) => (outputs + Lanes - 1) / Lanes * Lanes;

        /// <summary>Length, in 16-bit values, of the compact buffer for an (inputs x outputs) matrix.</summary>
        public static int BufferLength(int inputs, int outputs) => checked(2 * ((inputs + 1) / 2) * PaddedOutputs(outputs));

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
            for (int i = 0; i < inputs; i++)
            {
                int shift = (i & 1) == 0 ? 16 : 0;
                Span<uint> row = words.Slice(i / 2 * stride, stride);
                for (int j = 0; j < outputs; j++)
                {
                    row[j] |= (uint)ToBFloat16(weights[i * outputs + j]) << shift;
                }
            }
        }

        /// <summary>The weight at (<paramref name="input"/>, <paramref name="output"/>) as stored, widened to float.</summary>
        public static float WeightAt(int inputs, int outputs, ReadOnlySpan<ushort> compact, int input, int output)
        {
            uint word = MemoryMarshal.Cast<ushort, uint>(compact)[input / 2 * PaddedOutputs(outputs) + output];
            return BitConverter.UInt32BitsToSingle((input & 1) == 0 ? word & 0xFFFF_0000 : word << 16);
        }

        /// <summary><c>Y (batch x outputs) = X (batch x inputs) * W + b</c> with W packed by <see cref="Compress"/>.
        /// <paramref name="bias"/> may be empty.</summary>
        public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<ushort> weights,
            ReadOnlySpan<float> bias, Span<float> y)
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
            if (t_row is null || t_row.Length < stride) t_row = new float[stride];
            Span<float> row = t_row.AsSpan(0, stride);
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> xs = x.Slice(n * inputs, inputs);
                if (KernelDispatch.Level == SimdLevel.Avx512 && Vector512.IsHardwareAccelerated)
                {
                    Vector512Row(inputs, stride, xs, words, row);
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
                    row[j] += xi * BitConverter.UInt32BitsToSingle(high ? pair[j] & 0xFFFF_0000 : pair[j] << 16);
                }
            }
        }

        /// <summary>Columns in blocks of four vectors (64 floats), then single vectors; even and odd rows accumulate
        /// separately so eight independent FMA chains hide the FMA latency.</summary>
        private static void Vector512Row(int inputs, int stride, ReadOnlySpan<float> x, ReadOnlySpan<uint> words, Span<float> row)
        {
            int pairs = inputs / 2;
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref uint wr = ref MemoryMarshal.GetReference(words);
            ref float rr = ref MemoryMarshal.GetReference(row);
            var highMask = Vector512.Create(0xFFFF_0000u);
            int j = 0;
            for (; j + 4 * Lanes <= stride; j += 4 * Lanes)
            {
                Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
                Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
                for (int p = 0; p < pairs; p++)
                {
                    var xe = Vector512.Create(Unsafe.Add(ref xr, 2 * p));
                    var xo = Vector512.Create(Unsafe.Add(ref xr, 2 * p + 1));
                    ref uint w = ref Unsafe.Add(ref wr, (nint)p * stride + j);
                    Vector512<uint> w0 = Vector512.LoadUnsafe(ref w), w1 = Vector512.LoadUnsafe(ref w, Lanes);
                    Vector512<uint> w2 = Vector512.LoadUnsafe(ref w, 2 * Lanes), w3 = Vector512.LoadUnsafe(ref w, 3 * Lanes);
                    e0 = Vector512.FusedMultiplyAdd(xe, (w0 & highMask).AsSingle(), e0);
                    e1 = Vector512.FusedMultiplyAdd(xe, (w1 & highMask).AsSingle(), e1);
                    e2 = Vector512.FusedMultiplyAdd(xe, (w2 & highMask).AsSingle(), e2);
                    e3 = Vector512.FusedMultiplyAdd(xe, (w3 & highMask).AsSingle(), e3);
                    o0 = Vector512.FusedMultiplyAdd(xo, (w0 << 16).AsSingle(), o0);
                    o1 = Vector512.FusedMultiplyAdd(xo, (w1 << 16).AsSingle(), o1);
                    o2 = Vector512.FusedMultiplyAdd(xo, (w2 << 16).AsSingle(), o2);
                    o3 = Vector512.FusedMultiplyAdd(xo, (w3 << 16).AsSingle(), o3);
                }

                if ((inputs & 1) != 0)
                {
                    var xe = Vector512.Create(Unsafe.Add(ref xr, inputs - 1));
                    ref uint w = ref Unsafe.Add(ref wr, (nint)pairs * stride + j);
                    e0 = Vector512.FusedMultiplyAdd(xe, (Vector512.LoadUnsafe(ref w) & highMask).AsSingle(), e0);
                    e1 = Vector512.FusedMultiplyAdd(xe, (Vector512.LoadUnsafe(ref w, Lanes) & highMask).AsSingle(), e1);
                    e2 = Vector512.FusedMultiplyAdd(xe, (Vector512.LoadUnsafe(ref w, 2 * Lanes) & highMask).AsSingle(), e2);
                    e3 = Vector512.FusedMultiplyAdd(xe, (Vector512.LoadUnsafe(ref w, 3 * Lanes) & highMask).AsSingle(), e3);
                }

                ref float r = ref Unsafe.Add(ref rr, j);
                (e0 + o0).StoreUnsafe(ref r);
                (e1 + o1).StoreUnsafe(ref r, Lanes);
                (e2 + o2).StoreUnsafe(ref r, 2 * Lanes);
                (e3 + o3).StoreUnsafe(ref r, 3 * Lanes);
            }

            for (; j < stride; j += Lanes)
            {
                Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default;
                int p = 0;
                for (; p + 1 < pairs; p += 2)
                {
                    Vector512<uint> wa = Vector512.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)p * stride + j));
                    Vector512<uint> wb = Vector512.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)(p + 1) * stride + j));
                    e0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p)), (wa & highMask).AsSingle(), e0);
                    o0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p + 1)), (wa << 16).AsSingle(), o0);
                    e1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p + 2)), (wb & highMask).AsSingle(), e1);
                    o1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p + 3)), (wb << 16).AsSingle(), o1);
                }

                for (; p < pairs; p++)
                {
                    Vector512<uint> wa = Vector512.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)p * stride + j));
                    e0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p)), (wa & highMask).AsSingle(), e0);
                    o0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, 2 * p + 1)), (wa << 16).AsSingle(), o0);
                }

                if ((inputs & 1) != 0)
                {
                    Vector512<uint> wa = Vector512.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)pairs * stride + j));
                    e0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, inputs - 1)), (wa & highMask).AsSingle(), e0);
                }

                (e0 + o0 + (e1 + o1)).StoreUnsafe(ref Unsafe.Add(ref rr, j));
            }
        }
    }
}
