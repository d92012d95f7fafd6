using System;
using System.Threading;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Large products over <see cref="ParallelBlocks"/>, in one of two ways, each block writing a disjoint part of C with
    /// the same arithmetic as the single-threaded product (the result does not depend on the degree):
    /// <list type="bullet">
    /// <item><b>Shared B</b> (C has enough rows): the first blocks pack op(B) whole into one buffer that every participant
    /// reads, the rest are ranges of rows of C that pack only their own rows of A. Every operand is packed exactly once,
    /// as on one thread, so two threads do not repeat each other's packing.</item>
    /// <item><b>Tiles</b> (few rows, or a B too large to pack whole): C is cut into rows and columns of micro-tiles and
    /// every block packs its own A rows and B columns.</item>
    /// </list>
    /// Nothing is allocated per call: the job object (one per calling thread) and the buffers are reused, and the helpers'
    /// pack buffers are sized by the calling thread before they join.
    /// </summary>
    internal static unsafe class GemmWorkers
    {
        /// <summary>Blocks of C per participating thread, for load balancing.</summary>
        private const int BlocksPerThread = 4;

        /// <summary>Largest op(B), in floats, packed whole for sharing (16 MB); larger ones take the tiled split.</summary>
        private const long SharedBLimit = 1L << 22;

        /// <summary>Micro-panel rows below which B is not shared (192 rows with the AVX-512 kernel).</summary>
        private const int MinSharedRowPanels = 16;

        [ThreadStatic] private static Job? t_job;

        /// <summary>Runs the product with up to <paramref name="degree"/> threads; false when the pool is busy with
        /// another job (the caller then runs it alone) or the product does not split.</summary>
        public static bool TryRun(in GemmProblem problem, MicroKernel kernel, int degree)
        {
            Job job = t_job ??= new Job();
            return job.Plan(problem, kernel, degree) && ParallelBlocks.TryRun(job, job.Blocks);
        }

        private sealed class Job : IBlockJob
        {
            private GemmProblem _problem;
            private MicroKernel _kernel;
            private int _rowBlocks, _colBlocks, _rowPanels, _colPanels;

            // Shared-B mode: _packBlocks blocks pack column panels of B, then _rowBlocks blocks compute rows.
            private bool _sharedB;
            private int _packBlocks, _packedBlocks;
            private float* _packedB;
            private readonly PinnedBuffer _packed = new();

            public int Blocks => _sharedB ? _packBlocks + _rowBlocks : _rowBlocks * _colBlocks;

            public bool Plan(in GemmProblem problem, MicroKernel kernel, int degree)
            {
                _problem = problem;
                _kernel = kernel;
                _rowPanels = (problem.M + kernel.MR - 1) / kernel.MR;
                _colPanels = (problem.N + kernel.NR - 1) / kernel.NR;
                int target = degree * BlocksPerThread;
                // A block packs its own rows of A (and, tiled, its own columns of B), so keep blocks at least about 48 rows
                // tall (and 128 columns wide): thinner blocks would spend more time packing than multiplying.
                int minRowPanels = Math.Max(1, 48 / kernel.MR);
                // With B shared, a row range packs only its own rows of A: ranges can be thinner (down to two micro-panels),
                // and more of them keep the participants' last blocks short.
                int rowRanges = Math.Min(2 * target, _rowPanels / 2);
                long packedSize = GemmBlocked.PackedBSize(problem, kernel);
                // Few rows (an affine layer's batch) read a shared B too few times per panel to pay for writing it out whole
                // (measured: no gain at 100 rows); each block then packs its own, and the packing stays in L2.
                _sharedB = _rowPanels >= MinSharedRowPanels && rowRanges >= degree && packedSize <= SharedBLimit;
                if (_sharedB)
                {
                    _rowBlocks = rowRanges;
                    _colBlocks = 1;
                    _packBlocks = Math.Min(_colPanels, degree * 2);
                    _packedBlocks = 0;
                    _packedB = _packed.Get(packedSize);
                    return true;
                }

                int minColPanels = Math.Max(1, 128 / kernel.NR);
                _colBlocks = Math.Min(target, Math.Max(1, _colPanels / minColPanels));
                _rowBlocks = Math.Min((target + _colBlocks - 1) / _colBlocks, Math.Max(1, _rowPanels / minRowPanels));
                return Blocks > 1;
            }

            /// <summary>Sizes the helpers' pack buffers for the largest block they can take, while they are idle.</summary>
            public void Prepare(int helpers)
            {
                for (int h = 0; h < helpers; h++)
                {
                    GemmBuffers buffers = ParallelBlocks.HelperGemmBuffers(h);
                    if (_sharedB)
                    {
                        GemmBlocked.ReservePackedB(_problem, _kernel, buffers, RowsOfLargestBlock());
                    }
                    else
                    {
                        GemmBlocked.Reserve(_problem, _kernel, buffers);
                    }
                }
            }

            private int RowsOfLargestBlock() => ((_rowPanels + _rowBlocks - 1) / _rowBlocks) * _kernel.MR;

            public void Run(int index)
            {
                int mr = _kernel.MR, nr = _kernel.NR;
                if (_sharedB)
                {
                    if (index < _packBlocks)
                    {
                        GemmBlocked.PackAllB(_problem, _kernel, _packedB, Split(_colPanels, _packBlocks, index), Split(_colPanels, _packBlocks, index + 1));
                        Interlocked.Increment(ref _packedBlocks);
                        return;
                    }

                    // Blocks are claimed in order, so every packing block has been claimed by now; wait for the last ones to finish
                    // (without sleeping: a sleep would read as a participant that lost its core and trigger the back-off).
                    var spin = new SpinWait();
                    while (Volatile.Read(ref _packedBlocks) < _packBlocks) spin.SpinOnce(sleep1Threshold: -1);
                    int r = index - _packBlocks;
                    int r0 = Split(_rowPanels, _rowBlocks, r) * mr, r1 = Math.Min(_problem.M, Split(_rowPanels, _rowBlocks, r + 1) * mr);
                    GemmBlocked.RunPackedB(_problem, _kernel, GemmBuffers.ForCurrentThread, _packedB, r0, r1);
                    return;
                }

                int rb = index / _colBlocks, cb = index % _colBlocks;
                int i0 = Split(_rowPanels, _rowBlocks, rb) * mr, i1 = Math.Min(_problem.M, Split(_rowPanels, _rowBlocks, rb + 1) * mr);
                int j0 = Split(_colPanels, _colBlocks, cb) * nr, j1 = Math.Min(_problem.N, Split(_colPanels, _colBlocks, cb + 1) * nr);
                GemmBlocked.Run(_problem, _kernel, GemmBuffers.ForCurrentThread, i0, i1, j0, j1);
            }

            private static int Split(int panels, int parts, int index) => (int)((long)panels * index / parts);
        }
    }
}
