using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>The instruction-set paths the kernels can take, from the most portable to the widest.</summary>
    public enum SimdLevel
    {
        /// <summary>Plain scalar code; always available.</summary>
        Scalar = 0,
        /// <summary><see cref="Vector{T}"/> code, which the JIT maps to the natural vector width of the machine.</summary>
        Portable = 1,
        /// <summary>256-bit AVX2 with FMA.</summary>
        Avx2 = 2,
        /// <summary>512-bit AVX-512F.</summary>
        Avx512 = 3,
    }

    /// <summary>
    /// Process-wide switches of the kernels: which SIMD path they take and how many threads a large
    /// matrix product may use. Defaults are the widest path the processor supports and
    /// <see cref="Environment.ProcessorCount"/> threads. Both settings are meant to be changed rarely
    /// (at start-up or in tests), not while kernels are running on other threads.
    /// </summary>
    public static class KernelDispatch
    {
        // Initialised in textual order: the detected level must come first.
        private static readonly SimdLevel s_supported = Detect();
        private static SimdLevel s_level = s_supported;
        private static int s_degree = Environment.ProcessorCount;

        /// <summary>The widest path this processor and runtime support.</summary>
        public static SimdLevel Supported => s_supported;

        /// <summary>The path the kernels take. Setting a level above <see cref="Supported"/> throws
        /// <see cref="ArgumentOutOfRangeException"/>.</summary>
        public static SimdLevel Level
        {
            get => s_level;
            set
            {
                if (value < SimdLevel.Scalar || value > Supported)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value,
                        $"This processor supports SIMD levels up to {Supported}; {value} was requested.");
                }

                s_level = value;
            }
        }

        /// <summary>The most threads the kernels may use (at least 1): a matrix product, a convolution over a batch, a
        /// forward pass cut into chunks of samples (<see cref="SampleChunks"/>), an optimiser's step. With 1, every kernel
        /// runs inline on the calling thread without any synchronisation.</summary>
        public static int MaxDegreeOfParallelism
        {
            get => s_degree;
            set
            {
                if (value < 1)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, $"The degree of parallelism must be at least 1, got {value}.");
                }

                s_degree = value;
            }
        }

        /// <summary>Default of <see cref="AwakeMicroseconds"/>.</summary>
        public const int DefaultAwakeMicroseconds = 100;

        private static int s_awake = DefaultAwakeMicroseconds;

        /// <summary>
        /// How long (microseconds, 0 to 10,000) a helper thread stays awake after a job before it blocks, the calling
        /// thread before it blocks waiting for a helper's last block, and a thread of a matrix product before it blocks
        /// waiting for another thread's step of a row block. Waking a blocked thread costs from a few microseconds
        /// to a few hundred on virtual machines, which is longer than many of a small network's kernels; a thread that
        /// stays awake yields its core to anything else that wants it while it waits. 0: block at once (never spin).
        /// </summary>
        public static int AwakeMicroseconds
        {
            get => s_awake;
            set
            {
                if (value < 0 || value > 10_000)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, $"The awake time must be 0 to 10,000 microseconds, got {value}.");
                }

                s_awake = value;
            }
        }

        /// <summary>Restores every setting to its default.</summary>
        public static void Reset()
        {
            s_level = Supported;
            s_degree = Environment.ProcessorCount;
            s_awake = DefaultAwakeMicroseconds;
        }

        private static SimdLevel Detect()
        {
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) return SimdLevel.Avx512;
            if (Avx2.IsSupported && Fma.IsSupported) return SimdLevel.Avx2;
            if (Vector.IsHardwareAccelerated) return SimdLevel.Portable;
            return SimdLevel.Scalar;
        }
    }
}
