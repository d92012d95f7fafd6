using System;
using System.Threading;

namespace CnnGen.Kernels
{
    /// <summary>
    /// A small pool of dedicated helper threads for large products. C is cut into more blocks than there are
    /// threads and every participant, the calling thread included, claims blocks from a shared counter until
    /// none are left, so a helper that the operating system does not schedule promptly (the other core is
    /// busy) simply ends up doing less. Idle helpers block on an event with no spinning. A helper that has not
    /// started by the time the caller runs out of blocks is revoked instead of waited for, so a product is
    /// never slower than running it on the calling thread alone (apart from one block's worth of imbalance).
    /// Nothing is allocated per call: the job object, events and pack buffers are reused.
    /// </summary>
    internal static unsafe class GemmWorkers
    {
        private const int Idle = 0, Signaled = 1, Running = 2;

        /// <summary>Blocks of C per participating thread, for load balancing.</summary>
        private const int BlocksPerThread = 4;

        private static readonly object s_gate = new object();
        private static Worker[] s_workers = Array.Empty<Worker>();
        private static readonly Job s_job = new Job();

        /// <summary>Runs the product with up to <paramref name="degree"/> threads; false when the pool is busy with
        /// another caller's product (the caller then runs it alone) or the product does not split.</summary>
        public static bool TryRun(in GemmProblem problem, MicroKernel kernel, int degree)
        {
            if (!Monitor.TryEnter(s_gate))
            {
                return false;
            }

            try
            {
                Job job = s_job;
                if (!job.Plan(problem, kernel, degree))
                {
                    return false;
                }

                int helpers = Math.Min(degree, job.Blocks) - 1;
                Worker[] workers = EnsureWorkers(helpers);
                for (int w = 0; w < helpers; w++)
                {
                    Volatile.Write(ref workers[w].State, Signaled);
                    workers[w].Wake.Set();
                }

                job.Work(GemmBuffers.ForCurrentThread);

                for (int w = 0; w < helpers; w++)
                {
                    Worker worker = workers[w];
                    if (Interlocked.CompareExchange(ref worker.State, Idle, Signaled) != Signaled)
                    {
                        // The helper started: wait until it has finished touching this product's memory.
                        worker.Done.Wait();
                        worker.Done.Reset();
                    }
                }

                return true;
            }
            finally
            {
                Monitor.Exit(s_gate);
            }
        }

        private static Worker[] EnsureWorkers(int count)
        {
            Worker[] workers = s_workers;
            if (workers.Length >= count)
            {
                return workers;
            }

            var grown = new Worker[count];
            Array.Copy(workers, grown, workers.Length);
            for (int i = workers.Length; i < count; i++)
            {
                grown[i] = new Worker(i);
            }

            s_workers = grown;
            return grown;
        }

        private sealed class Job
        {
            private GemmProblem _problem;
            private MicroKernel _kernel;
            private int _rowBlocks, _colBlocks, _rowPanels, _colPanels, _next;

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
                _next = 0;
                return Blocks > 1;
            }

            public void Work(GemmBuffers buffers)
            {
                int blocks = Blocks;
                while (true)
                {
                    int index = Interlocked.Increment(ref _next) - 1;
                    if (index >= blocks)
                    {
                        return;
                    }

                    int rb = index / _colBlocks, cb = index % _colBlocks;
                    int mr = _kernel.MR, nr = _kernel.NR;
                    int i0 = Split(_rowPanels, _rowBlocks, rb) * mr, i1 = Math.Min(_problem.M, Split(_rowPanels, _rowBlocks, rb + 1) * mr);
                    int j0 = Split(_colPanels, _colBlocks, cb) * nr, j1 = Math.Min(_problem.N, Split(_colPanels, _colBlocks, cb + 1) * nr);
                    GemmBlocked.Run(_problem, _kernel, buffers, i0, i1, j0, j1);
                }
            }

            private static int Split(int panels, int parts, int index) => (int)((long)panels * index / parts);
        }

        private sealed class Worker
        {
            public int State;

            // Spin count 0: an idle helper sleeps in the kernel instead of burning the shared core.
            public readonly ManualResetEventSlim Wake = new ManualResetEventSlim(false, 0);
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false, 0);
            private readonly GemmBuffers _buffers = new GemmBuffers();

            public Worker(int index)
            {
                var thread = new Thread(Loop) { IsBackground = true, Name = $"CnnGen GEMM {index + 1}" };
                thread.Start();
            }

            private void Loop()
            {
                while (true)
                {
                    Wake.Wait();
                    Wake.Reset();
                    if (Interlocked.CompareExchange(ref State, Running, Signaled) != Signaled)
                    {
                        continue; // revoked before it started
                    }

                    try
                    {
                        s_job.Work(_buffers);
                    }
                    finally
                    {
                        Volatile.Write(ref State, Idle);
                        Done.Set();
                    }
                }
            }
        }
    }
}
