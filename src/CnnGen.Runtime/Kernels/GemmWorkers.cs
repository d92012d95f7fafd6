using System;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Large products over <see cref="ParallelBlocks"/>: C is cut into more blocks than there are threads (rows and
    /// columns of micro-tiles) and every participant computes whole blocks with its own pack buffers. Each block writes
    /// a disjoint part of C with the same arithmetic as the single-threaded product, so the result does not depend on
    /// the degree. Nothing is allocated per call: the job object (one per calling thread) and the buffers are reused.
    /// </summary>
    internal static unsafe class GemmWorkers
    {
        /// <summary>Blocks of C per participating thread, for load balancing.</summary>
        private const int BlocksPerThread = 4;

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

            public int Blocks => _rowBlocks * _colBlocks;

            public bool Plan(in GemmProblem problem, MicroKernel kernel, int degree)
            {
                _problem = problem;
                _kernel = kernel;
                _rowPanels = (problem.M + kernel.MR - 1) / kernel.MR;
                _colPanels = (problem.N + kernel.NR - 1) / kernel.NR;
                int target = degree * BlocksPerThread;
                // Every block packs its own rows of A and columns of B, so keep blocks at least about
                // 128 columns wide and 48 rows tall: thinner blocks would spend more time packing than multiplying.
                int minColPanels = Math.Max(1, 128 / kernel.NR), minRowPanels = Math.Max(1, 48 / kernel.MR);
                _colBlocks = Math.Min(target, Math.Max(1, _colPanels / minColPanels));
                _rowBlocks = Math.Min((target + _colBlocks - 1) / _colBlocks, Math.Max(1, _rowPanels / minRowPanels));
                return Blocks > 1;
            }

            public void Run(int index)
            {
                int rb = index / _colBlocks, cb = index % _colBlocks;
                int mr = _kernel.MR, nr = _kernel.NR;
                int i0 = Split(_rowPanels, _rowBlocks, rb) * mr, i1 = Math.Min(_problem.M, Split(_rowPanels, _rowBlocks, rb + 1) * mr);
                int j0 = Split(_colPanels, _colBlocks, cb) * nr, j1 = Math.Min(_problem.N, Split(_colPanels, _colBlocks, cb + 1) * nr);
                GemmBlocked.Run(_problem, _kernel, GemmBuffers.ForCurrentThread, i0, i1, j0, j1);
            }

            private static int Split(int panels, int parts, int index) => (int)((long)panels * index / parts);
        }
    }
}
