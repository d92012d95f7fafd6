using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Products with a small C and a long sum (an affine layer's forward pass at a moderate batch: 100 x 100 over 4,320)
    /// split the sum instead of C: any split of C's rows or columns makes each thread pack the whole of the other operand
    /// again, while the depth splits cleanly. The depth is cut into <see cref="Ranges"/> ranges (<see cref="DepthRange"/>)
    /// that depend on the shape alone; range 0 writes C, the others their own copy, and the calling thread adds the copies
    /// in range order. The same ranges are used at every degree of parallelism (inline on one thread), so the result does
    /// not depend on the degree. Each range runs the packed product or, for row-major operands with few rows, the unpacked
    /// <see cref="GemmFewRows"/> (range 0 then starts from the bias).
    /// </summary>
    internal static unsafe class GemmDepthSplit
    {
        /// <summary>Depth ranges of a split product (fixed, so results do not depend on the thread count): three per thread at
        /// two threads, claimed in turn, so a thread whose core is slowed for a while takes fewer. Taking turns in one process
        /// at 100 x 100 over 4,320, the median two-thread call was 468 and 578 µs with six ranges against 622 and 627 µs with
        /// four (two per thread); the best calls 1–2% slower, one thread 0.5% slower (the ranges' copies of C are added
        /// at the end). The packed product needs a whole KC slice per range, so sums shorter than 6 x 256 are not split.</summary>
        private const int Ranges = 6;

        /// <summary>Largest C, in floats, that is copied per range.</summary>
        private const long MaxCFloats = 1L << 16;

        [ThreadStatic] private static Job? t_job;

        /// <summary>Whether the product is split by depth: the sum at least eight times longer than C is wide or tall, at
        /// least one whole slice per range, and a small C.</summary>
        public static bool Applies(in GemmProblem problem) => Applies(problem.M, problem.N, problem.K);

        /// <inheritdoc cref="Applies(in GemmProblem)"/>
        public static bool Applies(int m, int n, int k) =>
            k >= 8 * Math.Max(m, n) && k >= Ranges * GemmBlocked.KC && (long)m * n <= MaxCFloats;

        /// <summary>The packed product, split by depth.</summary>
        public static void Run(in GemmProblem problem, MicroKernel kernel)
        {
            Job job = t_job ??= new Job();
            job.Set(problem, kernel, fewRows: false, bias: null, skipZeros: false);
            ParallelBlocks.Run(job, Ranges);
            job.AddPartialSums();
        }

        /// <summary><see cref="GemmFewRows"/>' product <c>C = A B (+ bias)</c> (row-major, no transposes), split by depth;
        /// range 0 starts from the bias.</summary>
        public static void RunFewRows(int m, int n, int k, float* a, float* b, float* bias, float* c, bool skipZeros)
        {
            Job job = t_job ??= new Job();
            var problem = new GemmProblem(false, false, m, n, k, a, b, c, accumulate: false);
            job.Set(problem, default, fewRows: true, bias, skipZeros);
            ParallelBlocks.Run(job, Ranges);
            job.AddPartialSums();
        }

        /// <summary>Depths [p0, p1) of range <paramref name="range"/>. The packed product's ranges are whole <c>KC</c> slices (its
        /// panels are packed a slice at a time). The few-rows product walks B row by row and needs no slices: its ranges are
        /// as even as 16-row steps allow, so two threads taking three each finish together. SimpleConvNet's 4,320 deep in
        /// slices came out as 2 + 3 + 3 + 3 + 3 + 3 and one thread took 9 of the 17; taking turns with the slices at 100 x 100
        /// over 4,320, two threads were 2.6–4.1% faster by round (best calls 354–358 µs against 389–391), one thread level.</summary>
        private static (int P0, int P1) DepthRange(int k, bool fewRows, int range)
        {
            int step = fewRows ? 16 : GemmBlocked.KC, steps = (k + step - 1) / step;
            return (ParallelBlocks.Split(steps, Ranges, range) * step, Math.Min(k, ParallelBlocks.Split(steps, Ranges, range + 1) * step));
        }

        private sealed class Job : IBlockJob
        {
            private GemmProblem _problem;
            private MicroKernel _kernel;
            private bool _fewRows;
            private float* _partials, _bias;
            private bool _skipZeros;
            private float* _lists;
            private int _listStride;
            private readonly PinnedBuffer _partialSums = new(), _listBuffers = new();

            public void Set(in GemmProblem problem, MicroKernel kernel, bool fewRows, float* bias, bool skipZeros)
            {
                _problem = problem;
                _kernel = kernel;
                _fewRows = fewRows;
                _bias = bias;
                _skipZeros = skipZeros;
                if (skipZeros)
                {
                    // Each range lists its depths (on whichever thread runs it) into its own part of one buffer, sized here.
                    int longest = 0;
                    for (int r = 0; r < Ranges; r++)
                    {
                        (int p0, int p1) = DepthRange(problem.K, fewRows, r);
                        longest = Math.Max(longest, p1 - p0);
                    }

                    _listStride = (longest + NonzeroIndices.ColumnScratch(longest) + 15) & ~15;
                    _lists = _listBuffers.Get((long)Ranges * _listStride);
                }
                _partials = _partialSums.Get((Ranges - 1) * (long)problem.M * problem.N);

                if (!fewRows) GemmBlocked.Reserve(problem, kernel, GemmBuffers.ForCurrentThread);
            }

            public void Prepare(int helpers)
            {
                // The few-rows product needs no buffers.
                for (int h = 0; h < helpers && !_fewRows; h++)
                {
                    GemmBlocked.Reserve(_problem, _kernel, ParallelBlocks.HelperGemmBuffers(h));
                }
            }

            public void Run(int range)
            {
                (int p0, int p1) = DepthRange(_problem.K, _fewRows, range);
                if (_fewRows)
                {
                    float* c = range == 0 ? _problem.C : _partials + (range - 1) * (long)_problem.M * _problem.N;
                    float* a = _problem.A + p0, b = _problem.B + (long)p0 * _problem.N, bias = range == 0 ? _bias : null;
                    int vectors = GemmFewRows.Vectors(_problem.N);
                    if (_skipZeros)
                    {
                        // Each group of eight rows lists its own non-zero depths: more of them are zero in eight rows than in all.
                        // SimpleConvNet's affine layer at batch 100, taking turns with one list per range: 1.21-1.22x as fast on
                        // one thread, 1.27x on two (its inference 1.09-1.10x and 1.11x, a training step 1.02x and 1.03x).
                        int length = p1 - p0;
                        float* region = _lists + (long)range * _listStride;
                        GemmFewRows.ColumnsSkippingZeros(_problem.M, _problem.N, length, _problem.K, a, b, bias, c, 0, vectors, (int*)region, region + length);
                        return;
                    }

                    GemmFewRows.Columns(_problem.M, _problem.N, p1 - p0, _problem.K, a, b, bias, c, 0, vectors);
                    return;
                }

                GemmProblem target = range == 0
                    ? _problem
                    : new GemmProblem(_problem.TransA, _problem.TransB, _problem.M, _problem.N, _problem.K, _problem.A, _problem.B,
                        _partials + (range - 1) * (long)_problem.M * _problem.N, accumulate: false);
                GemmBlocked.Run(target, _kernel, GemmBuffers.ForCurrentThread, 0, _problem.M, 0, _problem.N, p0, p1);
            }

            /// <summary>Adds the copies of ranges 1 and up to C, in range order, a block of C at a time: the block stays in L1
            /// while every copy is added to it (C whole, 40 KB at 100 x 100, went to L2 and back once per copy; the five
            /// additions took 4.8 µs that way and 3.2–3.5 µs in blocks, all in cache). The same sums in the same order.</summary>
            public void AddPartialSums()
            {
                const int Block = 2048;
                int size = _problem.M * _problem.N;
                for (int start = 0; start < size; start += Block)
                {
                    int length = Math.Min(Block, size - start);
                    var c = new Span<float>(_problem.C + start, length);
                    for (int r = 1; r < Ranges; r++)
                    {
                        TensorPrimitives.Add(c, new ReadOnlySpan<float>(_partials + (r - 1) * (long)size + start, length), c);
                    }
                }
            }
        }
    }
}
