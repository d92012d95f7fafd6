using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Affine forward with weights stored in bfloat16 (the upper 16 bits of a float32), widened to float in
    /// registers. For inference at small batch sizes the product streams the whole weight matrix once per call,
    /// so halving its bytes halves the time and lets a 1.7 MB matrix fit in a 1 MB L2 cache. Accumulation stays
    /// in float32; only the weights lose precision (8 significant bits: relative rounding error at most 2^-8).
    /// </summary>
    public static class CompactDense
    {
        /// <summary>Rounds <paramref name="weights"/> to bfloat16 (round to nearest, ties to even; NaN stays NaN).</summary>
        public static void Compress(ReadOnlySpan<float> weights, Span<ushort> compact)
        {
            Guard.AtLeast(compact.Length, weights.Length, nameof(compact));
            compact.Slice(weights.Length).Clear();
            for (int i = 0; i < weights.Length; i++)
            {
                uint bits = BitConverter.SingleToUInt32Bits(weights[i]);
                if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
                {
                    compact[i] = (ushort)((bits >> 16) | 0x0040); // quiet NaN
                    continue;
                }

                uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
                compact[i] = (ushort)((bits + roundingBias) >> 16);
            }
        }

        /// <summary>Length of a compact weight buffer for an (inputs x outputs) matrix: the matrix plus one block of
        /// slack, so the last columns can be read a whole vector at a time (the extra lanes are discarded).</summary>
        public static int BufferLength(int inputs, int outputs) => checked(inputs * outputs + 2 * Vector<ushort>.Count);

        /// <summary>The float a bfloat16 value stands for.</summary>
        public static float Expand(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

        /// <summary><c>Y (batch x outputs) = X (batch x inputs) * W + b</c> with W given in bfloat16, laid out (inputs, outputs).
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

            for (int n = 0; n < batch; n++)
            {
                Span<float> row = y.Slice(n * outputs, outputs);
                if (bias.IsEmpty) row.Clear();
                else bias.CopyTo(row);
            }

            // Columns in blocks of two vectors of ushort (four float vectors) held in registers while the block's
            // weights stream past once per sample; the last, partial block reads into the buffer's slack and keeps
            // only its valid lanes.
            int block = 2 * Vector<ushort>.Count;
            Span<float> partial = stackalloc float[2 * Vector<ushort>.Count];
            for (int j = 0; j < outputs; j += block)
            {
                int valid = Math.Min(block, outputs - j);
                for (int n = 0; n < batch; n++)
                {
                    Span<float> row = y.Slice(n * outputs, outputs);
                    if (valid == block)
                    {
                        Block(inputs, outputs, j, x.Slice(n * inputs, inputs), weights, row.Slice(j, block));
                    }
                    else
                    {
                        partial.Clear();
                        Block(inputs, outputs, j, x.Slice(n * inputs, inputs), weights, partial);
                        System.Numerics.Tensors.TensorPrimitives.Add(row.Slice(j, valid), partial.Slice(0, valid), row.Slice(j, valid));
                    }
                }
            }
        }

        private static void Block(int inputs, int outputs, int column, ReadOnlySpan<float> x, ReadOnlySpan<ushort> weights, Span<float> destination)
        {
            int floats = Vector<float>.Count;
            Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
            ref ushort w = ref MemoryMarshal.GetReference(weights);
            ref float xr = ref MemoryMarshal.GetReference(x);
            for (int i = 0; i < inputs; i++)
            {
                var s = new Vector<float>(Unsafe.Add(ref xr, i));
                ref ushort rowStart = ref Unsafe.Add(ref w, (nint)i * outputs + column);
                Vector.Widen(Vector.LoadUnsafe(ref rowStart), out Vector<uint> lo0, out Vector<uint> hi0);
                Vector.Widen(Vector.LoadUnsafe(ref rowStart, (nuint)Vector<ushort>.Count), out Vector<uint> lo1, out Vector<uint> hi1);
                a0 = Vector.FusedMultiplyAdd(s, Vector.AsVectorSingle(lo0 << 16), a0);
                a1 = Vector.FusedMultiplyAdd(s, Vector.AsVectorSingle(hi0 << 16), a1);
                a2 = Vector.FusedMultiplyAdd(s, Vector.AsVectorSingle(lo1 << 16), a2);
                a3 = Vector.FusedMultiplyAdd(s, Vector.AsVectorSingle(hi1 << 16), a3);
            }

            ref float yr = ref MemoryMarshal.GetReference(destination);
            (Vector.LoadUnsafe(ref yr) + a0).StoreUnsafe(ref yr);
            (Vector.LoadUnsafe(ref yr, (nuint)floats) + a1).StoreUnsafe(ref yr, (nuint)floats);
            (Vector.LoadUnsafe(ref yr, (nuint)(2 * floats)) + a2).StoreUnsafe(ref yr, (nuint)(2 * floats));
            (Vector.LoadUnsafe(ref yr, (nuint)(3 * floats)) + a3).StoreUnsafe(ref yr, (nuint)(3 * floats));
        }
    }
}
