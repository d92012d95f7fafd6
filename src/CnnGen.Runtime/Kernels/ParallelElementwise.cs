using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Elementwise kernels over long buffers, cut into contiguous chunks shared among threads. Every element is computed
    /// by the same code as on one thread, so the result is bit-identical for any degree. Short buffers, and degree 1,
    /// run inline without any synchronisation.
    /// </summary>
    internal static unsafe class ParallelElementwise
    {
        public enum Op { ReluForward, SigmoidForward, TanhForward, ReluBackward, SigmoidBackward, TanhBackward, Multiply, Add }

        /// <summary>Floats per chunk at least (64 KiB of each operand).</summary>
        private const int MinChunk = 16 * 1024;

        /// <summary>Computes <paramref name="op"/> over the whole buffers (unary ops ignore <paramref name="b"/>).</summary>
        public static void Run(Op op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        {
            int length = output.Length;
            if (length < ParallelBlocks.ElementwiseThreshold || ParallelBlocks.Degree <= 1)
            {
                Apply(op, a, b, output);
                return;
            }

            fixed (float* ap = a)
            fixed (float* bp = b)
            fixed (float* op_ = output)
            {
                Job job = Job.ForCurrentThread;
                job.Op = op;
                job.A = ap;
                job.B = bp;
                job.Output = op_;
                job.Length = length;
                job.Blocks = ParallelBlocks.BlocksFor(length / MinChunk);
                ParallelBlocks.Run(job, job.Blocks);
                job.A = job.B = job.Output = null;
            }
        }

        /// <summary>Floats per step of <see cref="Apply"/> (64 KiB of each operand): TensorPrimitives stores a destination
        /// longer than 256 KB non-temporally, past the cache, which suits a result nobody reads soon but not a layer's output,
        /// which the next kernel reads at once.</summary>
        private const int CachedStep = 16 * 1024;

        private static void Apply(Op op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        {
            for (int i = 0; i < output.Length; )
            {
                // A step never leaves fewer than 16 floats behind: TensorPrimitives computes a span shorter than a vector
                // with scalar code, which need not give the vector code's bits, and the steps (which start at each thread's
                // range) would then differ by degree.
                int n = output.Length - i <= CachedStep + 16 ? output.Length - i : CachedStep;
                ApplyStep(op, a.Slice(i, n), b.IsEmpty ? b : b.Slice(i, n), output.Slice(i, n));
                i += n;
            }
        }

        private static void ApplyStep(Op op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        {
            switch (op)
            {
                case Op.ReluForward: ElementwiseSimd.Relu(a, output); break;
                case Op.SigmoidForward: TensorPrimitives.Sigmoid(a, output); break;
                case Op.TanhForward: ElementwiseSimd.Tanh(a, output); break;
                case Op.ReluBackward: ElementwiseSimd.ReluBackward(a, b, output); break;
                case Op.SigmoidBackward: ElementwiseSimd.SigmoidBackward(a, b, output); break;
                case Op.TanhBackward: ElementwiseSimd.TanhBackward(a, b, output); break;
                case Op.Add: TensorPrimitives.Add(a, b, output); break;
                default: TensorPrimitives.Multiply(a, b, output); break;
            }
        }

        private sealed class Job : IBlockJob
        {
            [ThreadStatic] private static Job? t_current;

            public static Job ForCurrentThread => t_current ??= new Job();

            public Op Op;
            public float* A, B, Output;
            public int Length, Blocks;

            public void Run(int block)
            {
                // Chunk boundaries on 16-float (64-byte) multiples, so every chunk but the last is whole vectors.
                int units = (Length + 15) / 16;
                int start = Math.Min(Length, ParallelBlocks.Split(units, Blocks, block) * 16);
                int end = Math.Min(Length, ParallelBlocks.Split(units, Blocks, block + 1) * 16);
                int count = end - start;
                if (count <= 0) return;
                bool binary = Op >= Op.ReluBackward;
                Apply(Op, new ReadOnlySpan<float>(A + start, count), binary ? new ReadOnlySpan<float>(B + start, count) : default,
                    new Span<float>(Output + start, count));
            }
        }
    }
}
