using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CnnGen.Kernels
{
    /// <summary>
    /// A grow-only float buffer in pinned memory, aligned to 64 bytes: the kernels' scratch and pack buffers. Pinned arrays
    /// live on the pinned object heap, so a pointer stays valid until the buffer grows; once sized, <see cref="Get"/>
    /// allocates nothing.
    /// </summary>
    internal sealed unsafe class PinnedBuffer
    {
        [ThreadStatic] private static PinnedBuffer? t_current;

        private float[]? _array;
        private float* _pointer;
        private long _capacity;

        /// <summary>A buffer of the calling thread's own (scratch for work done on that thread alone).</summary>
        public static PinnedBuffer ForCurrentThread => t_current ??= new PinnedBuffer();

        /// <summary>At least <paramref name="size"/> floats, valid until a call with a larger size.</summary>
        public float* Get(long size)
        {
            if (size > _capacity)
            {
                _array = GC.AllocateUninitializedArray<float>(checked((int)size + 16), pinned: true);
                float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
                _pointer = (float*)(((nuint)p + 63) & ~(nuint)63);
                _capacity = size;
            }

            return _pointer;
        }
    }
}
