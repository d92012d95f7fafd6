using System;
using System.Threading;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Large products over <see cref="ParallelBlocks"/>: C is cut into rows and columns of micro-tiles, and every block packs
    /// its own rows of A and columns of B and computes its part of C with the same arithmetic as the single-threaded product
    /// (the result does not depend on the degree). Two shapes of cut:
    /// <list type="bullet">
    /// <item><b>One block per thread</b> (C has enough rows): <c>r x c = degree</c> blocks, with r and c chosen so that the
    /// packing the threads repeat (each packs M/r rows of A and N/c columns of B) is least; at two threads C is halved
    /// across its longer side (a square one into rows). Each thread's packed panels then stay in its own core's caches.
    /// Packing B once into a buffer that both threads read, the earlier way, measured 8% slower at 512³ (1.75x against
    /// 1.90x one thread): a thread reading panels that the other core packed runs about 9% slower than alone, which costs
    /// more than packing twice.</item>
    /// <item><b>Several blocks per thread</b> (few rows: an affine layer's batch; or, cut as above, when the operand each
    /// block packs again is small): blocks claimed from a shared counter, so a thread that starts late does fewer of them.</item>
    /// </list>
    /// Two independent products (an affine layer's weight and input gradients) may run as one job, each cut as it would
    /// be alone (<see cref="TryRunPair"/>), so the threads do not wait for each other between them.
    /// Nothing is allocated per call: the job objects (one of each kind per calling thread) and the buffers are reused, and
    /// the helpers' pack buffers are sized by the calling thread before they join.
    /// </summary>
    internal static unsafe class GemmWorkers
    {
        /// <summary>Blocks of C per participating thread when C has few rows, for load balancing.</summary>
        private const int BlocksPerThread = 4;

        /// <summary>Floats of the operand that every block of one-block-per-thread cut packs again (B for a cut into rows, A
        /// for a cut into columns) up to which the blocks are made smaller and claimed in turn instead.</summary>
        private const long SmallRepeatedOperand = 1L << 16;

        /// <summary>Rows (columns) a block claimed in turn keeps at least, when the repeated operand is small.</summary>
        private const int MinClaimedBlock = 64;

        /// <summary>Micro-panel rows (192 rows with the AVX-512 kernel) from which C is cut into one block per thread.</summary>
        private const int MinRowPanelsForOneBlockPerThread = 16;

        [ThreadStatic] private static Job? t_job;
        [ThreadStatic] private static PairJob? t_pair;

        /// <summary>Runs the product with up to <paramref name="degree"/> threads; false when the pool is busy with
        /// another job (the caller then runs it alone) or the product does not split.</summary>
        public static bool TryRun(in GemmProblem problem, MicroKernel kernel, int degree)
        {
            Job job = t_job ??= new Job();
            return job.Plan(problem, kernel, degree) && ParallelBlocks.TryRun(job, job.Blocks);
        }

        /// <summary>Runs two independent products as one job, each cut as it would be alone: the blocks of the first, then
        /// those of the second, claimed in turn, so no thread waits for the others between them; false when either does not
        /// split or the pool is busy (nothing ran).</summary>
        public static bool TryRunPair(in GemmProblem first, in GemmProblem second, MicroKernel kernel, int degree)
        {
            PairJob pair = t_pair ??= new PairJob();
            if (!pair.Plan(first, second, kernel, degree) || !ParallelBlocks.TryRun(pair, pair.Blocks)) return false;
            Interlocked.Increment(ref s_pairsRun);
            return true;
        }

        private static long s_pairsRun;

        /// <summary>Pairs of products run as one job so far (for tests that need the pair path to have been taken).</summary>
        internal static long PairsRun => Interlocked.Read(ref s_pairsRun);

        private sealed class PairJob : IBlockJob
        {
            private readonly Job _first = new Job(), _second = new Job();

            public int Blocks => _first.Blocks + _second.Blocks;

            public bool Plan(in GemmProblem first, in GemmProblem second, MicroKernel kernel, int degree) =>
                _first.Plan(first, kernel, degree) && _second.Plan(second, kernel, degree);

            public void Prepare(int helpers)
            {
                _first.Prepare(helpers);
                _second.Prepare(helpers);
            }

            public void Run(int index)
            {
                if (index < _first.Blocks) _first.Run(index);
                else _second.Run(index - _first.Blocks);
            }
        }

        private sealed class Job : IBlockJob
        {
            private GemmProblem _problem;
            private MicroKernel _kernel;
            private int _rowBlocks, _colBlocks, _rowPanels, _colPanels;

            public int Blocks => _rowBlocks * _colBlocks;

            public bool Plan(in GemmProblem problem, MicroKernel kernel, int degree)
            {
                _problem = problem;
                _kernel = kernel;
                _rowPanels = (problem.M + kernel.MR - 1) / kernel.MR;
                _colPanels = (problem.N + kernel.NR - 1) / kernel.NR;
                if (_rowPanels >= MinRowPanelsForOneBlockPerThread && OneBlockPerThread(problem, degree))
                {
                    // When the operand each block packs again is small (an affine layer's weight gradient: B is the batch's
                    // output gradient, 100 x 100), cut further into blocks claimed in turn: the extra packing costs little,
                    // and a thread that starts late or loses its core for a moment then takes fewer blocks.
                    // Each block keeps at least MinClaimedBlock rows (columns), so its repacking stays small beside its work.
                    if (_colBlocks == 1 && (long)problem.K * problem.N <= SmallRepeatedOperand)
                    {
                        _rowBlocks = Math.Max(_rowBlocks, Math.Min(degree * BlocksPerThread, problem.M / MinClaimedBlock));
                    }
                    else if (_rowBlocks == 1 && (long)problem.M * problem.K <= SmallRepeatedOperand)
                    {
                        _colBlocks = Math.Max(_colBlocks, Math.Min(degree * BlocksPerThread, problem.N / MinClaimedBlock));
                    }

                    return true;
                }

                // A block packs its own rows of A and columns of B, so keep blocks at least about 48 rows tall and 128 columns
                // wide: thinner blocks would spend more time packing than multiplying.
                int target = degree * BlocksPerThread;
                int minRowPanels = Math.Max(1, 48 / kernel.MR);
                int minColPanels = Math.Max(1, 128 / kernel.NR);
                _colBlocks = Math.Min(target, Math.Max(1, _colPanels / minColPanels));
                _rowBlocks = Math.Min((target + _colBlocks - 1) / _colBlocks, Math.Max(1, _rowPanels / minRowPanels));
                return Blocks > 1;
            }

            /// <summary>Picks <c>r x c = degree</c> blocks, each at least two micro-panels tall and wide, that minimise the
            /// packing the threads repeat, <c>M/r + N/c</c> (times K); on a tie the most rows (a square C is cut into rows: at
            /// 512³ and 1024³ on two threads 1-2% faster than into columns). False when none fits.</summary>
            private bool OneBlockPerThread(in GemmProblem problem, int degree)
            {
                double best = double.MaxValue;
                for (int r = degree; r >= 1; r--)
                {
                    if (degree % r != 0) continue;
                    int c = degree / r;
                    if (2 * r > _rowPanels || (c > 1 && 2 * c > _colPanels)) continue;
                    double repeated = (double)problem.M / r + (double)problem.N / c;
                    if (repeated < best)
                    {
                        best = repeated;
                        _rowBlocks = r;
                        _colBlocks = c;
                    }
                }

                return best < double.MaxValue && Blocks > 1;
            }

            /// <summary>Sizes the helpers' pack buffers for the largest block they can take, while they are idle.</summary>
            public void Prepare(int helpers)
            {
                for (int h = 0; h < helpers; h++)
                {
                    GemmBlocked.Reserve(_problem, _kernel, ParallelBlocks.HelperGemmBuffers(h));
                }
            }

            public void Run(int index)
            {
                int mr = _kernel.MR, nr = _kernel.NR;
                int rb = index / _colBlocks, cb = index % _colBlocks;
                int i0 = Split(_rowPanels, _rowBlocks, rb) * mr, i1 = Math.Min(_problem.M, Split(_rowPanels, _rowBlocks, rb + 1) * mr);
                int j0 = Split(_colPanels, _colBlocks, cb) * nr, j1 = Math.Min(_problem.N, Split(_colPanels, _colBlocks, cb + 1) * nr);
                GemmBlocked.Run(_problem, _kernel, GemmBuffers.ForCurrentThread, i0, i1, j0, j1);
            }

            private static int Split(int panels, int parts, int index) => (int)((long)panels * index / parts);
        }
    }
}
