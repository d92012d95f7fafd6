using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CnnGen.Kernels
{
    /// <summary>
    /// An affine layer's weights in <see cref="CompactDense"/>'s bfloat16 layout, in pinned memory aligned to a cache
    /// line, so that every vector the kernel loads lies within one line (unaligned loads made it about 15% slower).
    /// </summary>
    public sealed unsafe class CompactMatrix
    {
        private readonly ushort[] _array;
        private readonly int _offset;

        /// <summary>An empty (zero) compact matrix for <paramref name="inputs"/> x <paramref name="outputs"/> weights.</summary>
        public CompactMatrix(int inputs, int outputs)
        {
            Guard.Positive(inputs, nameof(inputs));
            Guard.Positive(outputs, nameof(outputs));
            Inputs = inputs;
            Outputs = outputs;
            Length = CompactDense.BufferLength(inputs, outputs);
            // Pinned (the pinned object heap never moves it), so the aligned offset computed now stays valid.
            _array = GC.AllocateArray<ushort>(Length + 32, pinned: true);
            nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            _offset = (int)((64 - address % 64) % 64 / sizeof(ushort));
        }

        /// <summary>Rows of the matrix (the layer's inputs).</summary>
        public int Inputs { get; }

        /// <summary>Columns of the matrix (the layer's outputs).</summary>
        public int Outputs { get; }

        /// <summary>16-bit values of the layout (<see cref="CompactDense.BufferLength"/>).</summary>
        public int Length { get; }

        /// <summary>The compact values, starting on a 64-byte boundary.</summary>
        public ReadOnlySpan<ushort> Values => new(_array, _offset, Length);

        /// <summary>Replaces the contents with <paramref name="weights"/> (inputs x outputs, row-major) in the compact layout.</summary>
        public void Compress(ReadOnlySpan<float> weights) => CompactDense.Compress(Inputs, Outputs, weights, _array.AsSpan(_offset, Length));

        /// <summary>The weight at (<paramref name="input"/>, <paramref name="output"/>) as stored, widened to float.</summary>
        public float WeightAt(int input, int output) => CompactDense.WeightAt(Inputs, Outputs, Values, input, output);
    }
}
