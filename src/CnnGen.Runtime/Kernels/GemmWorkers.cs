using System;
using System.Diagnostics;
using System.Threading;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Large products over <see cref="ParallelBlocks"/>: C is cut into rows and columns of micro-tiles, and every block is
    /// computed with the same arithmetic as the single-threaded product (the result does not depend on the degree). Three
    /// shapes of cut:
    /// <list type="bullet">
    /// <item><b>One block per thread</b> (C has enough rows): <c>r x c = degree</c> blocks, with r and c chosen so that the
    /// packing the threads repeat (each packs M/r rows of A and N/c columns of B) is least; at two threads C is halved
    /// across its longer side, and kept as such when that cut is into columns (a cut into rows is made as below). Each
    /// thread's packed panels then stay in its own core's caches. Packing B
    /// once into a buffer that both threads read, the earlier way, measured 8% slower at 512³ (1.75x against 1.90x one
    /// thread): a thread reading panels that the other core packed runs about 9% slower than alone, which costs more than
    /// packing twice.</item>
    /// <item><b>Row blocks claimed step by step</b> (the same choice cuts C into rows, a square C included, and B is large):
    /// the rows are cut into a few blocks per thread, and the product runs in the one-thread product's steps of depth
    /// (<see cref="GemmBlocked.KC"/>; and of columns past <see cref="GemmBlocked.NC"/>). At each step a thread claims its own
    /// row blocks, then any block no other thread has claimed yet, and packs the step's B block for itself at its first
    /// claim (so each thread still packs B, as with one block per thread). On a shared host one core is often slowed for a
    /// while when the other is not; with one fixed half each, the fast thread waited for the slow one's half. Interleaved in
    /// one process, the median two-thread call at 512³ and 1024³ was 0–15% faster this way than with halves (eight
    /// comparisons, none slower), the best calls the same. A row block's steps run in order (a thread that claims a block
    /// whose previous step is still running waits for it), so every element sums its depth steps in the one-thread
    /// order.</item>
    /// <item><b>Several blocks per thread</b> (few rows: an affine layer's batch; or, cut as above, when the operand each
    /// block packs again is small): blocks claimed from a shared counter, so a thread that starts late does fewer of them,
    /// each packing its own rows of A and columns of B.</item>
    /// </list>
    /// Two independent products (an affine layer's weight and input gradients) may run as one job, each cut as it would
    /// be alone (<see cref="TryRunPair"/>), so the threads do not wait for each other between them.
    /// Nothing is allocated per call after warm-up: the job objects (one of each kind per calling thread), their claim
    /// flags (grown for a larger product, on the calling thread) and the buffers are reused, and the helpers' pack buffers
    /// are sized by the calling thread before they join.
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

        /// <summary>Row blocks per thread when they are claimed step by step (finer shares balance a slowed core better; each
        /// block packs its own rows of A, so the packing does not grow with the count).</summary>
        private const int SteppedBlocksPerThread = 4;

        /// <summary>Fewest micro-panel rows (48 rows with the AVX-512 kernel) in a row block claimed step by step.</summary>
        private const int MinSteppedRowPanels = 4;

        /// <summary>Micro-panel rows (192 rows with the AVX-512 kernel) from which C is cut into one block per thread.</summary>
        private const int MinRowPanelsForOneBlockPerThread = 16;

        [ThreadStatic] private static Job? t_job;
        [ThreadStatic] private static PairJob? t_pair;

        /// <summary>Runs the product with up to <paramref name="degree"/> threads; false when the pool is busy with
        /// another job (the caller then runs it alone) or the product does not split.</summary>
        public static bool TryRun(in GemmProblem problem, MicroKernel kernel, int degree)
        {
            Job job = t_job ??= new Job();
            if (!job.Plan(problem, kernel, degree) || !ParallelBlocks.TryRun(job, job.Blocks)) return false;
            if (job.Stepped) t_steppedRun++;
            return true;
        }

        /// <summary>Runs two independent products as one job, each cut as it would be alone: the blocks of the first, then
        /// those of the second, claimed in turn, so no thread waits for the others between them; false when either does not
        /// split or the pool is busy (nothing ran).</summary>
        public static bool TryRunPair(in GemmProblem first, in GemmProblem second, MicroKernel kernel, int degree)
        {
            PairJob pair = t_pair ??= new PairJob();
            if (!pair.Plan(first, second, kernel, degree) || !ParallelBlocks.TryRun(pair, pair.Blocks)) return false;
            t_pairsRun++;
            t_steppedRun += pair.SteppedProducts;
            return true;
        }

        [ThreadStatic] private static long t_pairsRun, t_steppedRun;

        /// <summary>Pairs of products the calling thread has run as one job (for tests that need the pair path taken; counted
        /// per thread, so products other threads run at the same time do not count).</summary>
        internal static long PairsRun => t_pairsRun;

        /// <summary>Products whose row blocks were claimed step by step that the calling thread has run (for tests, as
        /// <see cref="PairsRun"/>).</summary>
        internal static long SteppedRun => t_steppedRun;

        /// <summary>Called with (participant, step, row block), on the participant's thread, when a participant has claimed a
        /// block of a product cut into row blocks claimed step by step, before it waits for the block's previous step; only
        /// for products the thread that set it starts (for tests that hold a participant to make the other take its blocks,
        /// unaffected by products other threads run meanwhile).</summary>
        internal static Action<int, int, int>? StepHook
        {
            get => t_stepHook;
            set => t_stepHook = value;
        }

        [ThreadStatic] private static Action<int, int, int>? t_stepHook;

        private sealed class PairJob : IBlockJob
        {
            private readonly Job _first = new Job(), _second = new Job();

            public int Blocks => _first.Blocks + _second.Blocks;

            public int SteppedProducts => (_first.Stepped ? 1 : 0) + (_second.Stepped ? 1 : 0);

            public bool Plan(in GemmProblem first, in GemmProblem second, MicroKernel kernel, int degree) =>
                _first.Plan(first, kernel, degree) && _second.Plan(second, kernel, degree);

            public void Prepare(int helpers)
            {
                _first.Prepare(helpers);
                _second.Prepare(helpers);
            }

            public void Run(int index)
            {
                int participant = ParallelBlocks.ParticipantOf(this);
                if (index < _first.Blocks) _first.Run(index, participant);
                else _second.Run(index - _first.Blocks, participant);
            }
        }

        private sealed class Job : IBlockJob
        {
            private GemmProblem _problem;
            private MicroKernel _kernel;
            private int _rowBlocks, _colBlocks, _rowPanels, _colPanels;

            // Row blocks claimed step by step (see the class remarks): the participants (one block of the job each), the
            // steps, a claim flag per step and row block, each row block's steps done, and whether a participant failed (the
            // others then stop waiting).
            private bool _stepped;
            private int _participants, _steps;
            private int[] _claims = Array.Empty<int>(), _stepsDone = Array.Empty<int>();
            private volatile bool _failed;
            private Action<int, int, int>? _hook;

            // A participant that waits longer than the pool's awake time for a block's previous step blocks on this.
            private readonly object _gate = new object();
            private int _waiters;

            public int Blocks => _stepped ? _participants : _rowBlocks * _colBlocks;

            /// <summary>Whether the last plan cut the rows into blocks claimed step by step.</summary>
            public bool Stepped => _stepped;

            public bool Plan(in GemmProblem problem, MicroKernel kernel, int degree)
            {
                _problem = problem;
                _kernel = kernel;
                _stepped = false;
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
                    else if (_colBlocks == 1)
                    {
                        PlanSteps(degree);
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
            /// 512³ and 1024³ on two threads 1-2% faster than into columns, measured with one block per thread). False when
            /// none fits.</summary>
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

            /// <summary>Cuts the rows into <see cref="SteppedBlocksPerThread"/> blocks per thread (fewer when that would make
            /// them shorter than <see cref="MinSteppedRowPanels"/> micro-panels, never fewer than one per thread) and resets
            /// the counters, on the calling thread before any participant starts.</summary>
            private void PlanSteps(int degree)
            {
                int blocks = Math.Min(degree * SteppedBlocksPerThread, _rowPanels / MinSteppedRowPanels);
                _rowBlocks = Math.Max(degree, blocks);
                _participants = degree;
                _steps = (_problem.N + GemmBlocked.NC - 1) / GemmBlocked.NC * ((_problem.K + GemmBlocked.KC - 1) / GemmBlocked.KC);
                if (_claims.Length < _steps * _rowBlocks) _claims = new int[_steps * _rowBlocks];
                if (_stepsDone.Length < _rowBlocks) _stepsDone = new int[_rowBlocks];
                Array.Clear(_claims, 0, _steps * _rowBlocks);
                Array.Clear(_stepsDone, 0, _rowBlocks);
                _failed = false;
                _hook = t_stepHook;
                _stepped = true;
            }

            public void Run(int index) => Run(index, ParallelBlocks.ParticipantOf(this));

            /// <summary>Runs block <paramref name="index"/> as participant <paramref name="participant"/> of the job that
            /// holds this one (this job itself, or a <see cref="PairJob"/>).</summary>
            public void Run(int index, int participant)
            {
                if (_stepped)
                {
                    RunSteps(participant);
                    return;
                }

                int nr = _kernel.NR;
                int rb = index / _colBlocks, cb = index % _colBlocks;
                (int i0, int i1) = RowsOf(rb);
                int j0 = ParallelBlocks.Split(_colPanels, _colBlocks, cb) * nr;
                int j1 = Math.Min(_problem.N, ParallelBlocks.Split(_colPanels, _colBlocks, cb + 1) * nr);
                GemmBlocked.Run(_problem, _kernel, GemmBuffers.ForCurrentThread, i0, i1, j0, j1);
            }

            /// <summary>Rows [i0, i1) of row block <paramref name="block"/>: whole micro-panels, the last one ending at M.</summary>
            private (int I0, int I1) RowsOf(int block) =>
                (ParallelBlocks.Split(_rowPanels, _rowBlocks, block) * _kernel.MR,
                 Math.Min(_problem.M, ParallelBlocks.Split(_rowPanels, _rowBlocks, block + 1) * _kernel.MR));

            /// <summary>Participant <paramref name="participant"/>'s share of a product cut into row blocks claimed step by
            /// step. At every step it first claims its own row blocks (the participants' equal ranges of them), in order, then
            /// any block still unclaimed, from the last: with cores running alike each thread keeps the same rows of C in its
            /// own cache from step to step (when each block's C moved to the other core at every step, 512³ measured 5–6%
            /// slower by its best calls), and a thread that falls behind leaves the end of its range to the other. A step's B
            /// block is packed once, when the participant's first claim in that step succeeds. Returns when every block of
            /// every step has been claimed; the participants that claimed the last ones finish them before the job ends. The
            /// participant's number only picks its own range: the claims alone keep blocks from being computed twice.</summary>
            private void RunSteps(int participant)
            {
                try
                {
                    GemmBuffers buffers = GemmBuffers.ForCurrentThread;
                    participant = Math.Min(participant, _participants - 1);
                    int own0 = ParallelBlocks.Split(_rowBlocks, _participants, participant);
                    int own1 = ParallelBlocks.Split(_rowBlocks, _participants, participant + 1);
                    int owned = own1 - own0, step = 0;
                    for (int jc = 0; jc < _problem.N; jc += GemmBlocked.NC)
                    {
                        int nc = Math.Min(GemmBlocked.NC, _problem.N - jc);
                        for (int pc = 0; pc < _problem.K; pc += GemmBlocked.KC, step++)
                        {
                            int kc = Math.Min(GemmBlocked.KC, _problem.K - pc);
                            float* packB = null;
                            for (int i = 0; i < _rowBlocks; i++)
                            {
                                // Own blocks in order, then the others from the last (counting down, past the own range).
                                int block = i < owned ? own0 + i : _rowBlocks - 1 - (i - owned);
                                if (i >= owned && block < own1) block -= owned;
                                if (_failed) return;
                                if (Interlocked.CompareExchange(ref _claims[step * _rowBlocks + block], 1, 0) != 0) continue;
                                _hook?.Invoke(participant, step, block);
                                if (packB == null) packB = GemmBlocked.PackB(_problem, _kernel, buffers, pc, kc, jc, nc);
                                if (!AwaitStep(block, step)) return;
                                (int i0, int i1) = RowsOf(block);
                                GemmBlocked.MultiplyRows(_problem, _kernel, buffers, packB, i0, i1, jc, nc, pc, kc);
                                CompleteStep(block, step);
                            }
                        }
                    }
                }
                catch
                {
                    _failed = true;
                    WakeWaiters();
                    throw;
                }
            }

            /// <summary>Waits until row block <paramref name="block"/> has done the steps before <paramref name="step"/> (the
            /// thread running its previous step claimed it earlier, so it is running; such a wait lasts at most one block's
            /// step); false when a participant failed. Awake for up to <see cref="KernelDispatch.AwakeMicroseconds"/>, as the
            /// pool's threads wait, then blocked until <see cref="CompleteStep"/> wakes it.</summary>
            private bool AwaitStep(int block, int step)
            {
                if (Volatile.Read(ref _stepsDone[block]) >= step) return true;
                long deadline = ParallelBlocks.AwakeUntil();
                var spin = new SpinWait();
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    if (Volatile.Read(ref _stepsDone[block]) >= step) return true;
                    if (_failed) return false;
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                lock (_gate)
                {
                    // The waiter count is raised before the last look, and CompleteStep looks at it after its write: one of
                    // the two sees the other.
                    Interlocked.Increment(ref _waiters);
                    try
                    {
                        while (Volatile.Read(ref _stepsDone[block]) < step)
                        {
                            if (_failed) return false;
                            Monitor.Wait(_gate, 10); // the time-out only guards against a lost wake-up
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _waiters);
                    }
                }

                return true;
            }

            /// <summary>Marks step <paramref name="step"/> of row block <paramref name="block"/> done and wakes any blocked
            /// waiter.</summary>
            private void CompleteStep(int block, int step)
            {
                Volatile.Write(ref _stepsDone[block], step + 1);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _waiters) > 0) WakeWaiters();
            }

            private void WakeWaiters()
            {
                lock (_gate)
                {
                    Monitor.PulseAll(_gate);
                }
            }

        }
    }
}
