using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace CnnGen.Kernels
{
    /// <summary>Work cut into numbered blocks that may run in any order and on any thread.</summary>
    internal interface IBlockJob
    {
        /// <summary>Computes block <paramref name="block"/> (0-based). A job may instead give each participant one block in
        /// which it claims finer work of its own (<see cref="ParallelBlocks.ParticipantOf"/> tells it which participant it
        /// is; a matrix product whose row blocks are claimed step by step does this): such a block must return only when no
        /// work is left to claim, and a block that runs after that finds nothing to do.</summary>
        void Run(int block);

        /// <summary>Called once the pool is reserved for this job and before any helper joins, with the number of helpers
        /// that may join: the place to size per-helper buffers (<see cref="ParallelBlocks.HelperGemmBuffers"/>), so that a
        /// helper never allocates, however late it first takes part. Also called when a back-off runs the job inline (no
        /// helper joins then, but later jobs find the buffers sized); not when the job runs inline for another reason
        /// (degree 1, one block, the pool busy), so what the calling thread itself needs must be sized elsewhere.</summary>
        void Prepare(int helpers)
        {
        }
    }

    /// <summary>
    /// A small pool of dedicated helper threads shared by all kernels. A job is cut into blocks and every participant,
    /// the calling thread included, claims blocks (from the front or the back: see <see cref="Work"/>) until none are left, so a helper that the
    /// operating system does not schedule promptly (the other core is busy) simply ends up doing less. A helper that
    /// finished a job stays awake for <see cref="KernelDispatch.AwakeMicroseconds"/> (pausing and yielding its core), so the
    /// next kernel of a pass finds it running, then blocks on an event; an idle pool uses no processor time. A helper that
    /// has not started by the time the caller runs out of blocks is revoked instead of waited for, so a job is never much
    /// slower than running it on the calling thread alone. A helper that started but then lost its core to another thread
    /// keeps the caller waiting; when that happens the jobs of the next moment run inline (a pause of 1 ms that doubles, up
    /// to a second, while it keeps happening), the blocks of each split as they would be at full degree (so neither results
    /// nor buffers depend on the machine's load): a busy machine costs at most an occasional slow job. The pause is a time, not a number
    /// of jobs: jobs last from microseconds to milliseconds, and a pause counted in jobs that the JIT's compiling thread
    /// started during a warm-up kept a pass of long jobs (chunks of samples) inline for seconds afterwards.
    /// With <see cref="KernelDispatch.MaxDegreeOfParallelism"/> 1, with a single block, while the pool serves another
    /// job (including a job nested inside a block) the blocks run inline, in order, on the calling thread.
    /// Nothing is allocated per call: jobs are cached objects and the events are reused.
    /// </summary>
    internal static class ParallelBlocks
    {
        private const int Idle = 0, Signaled = 1, Running = 2;

        /// <summary>Elementwise work below this many floats is not worth waking a helper for.</summary>
        public const int ElementwiseThreshold = 96 * 1024;

        private static int s_busy;
        private static Worker[] s_workers = Array.Empty<Worker>();
        private static IBlockJob? s_job;
        /// <summary>The blocks not yet claimed, <c>[front, end)</c>: front in the low 32 bits, end in the high (one word, so a
        /// claim from either end is one compare-and-swap).</summary>
        private static long s_unclaimed;
        private static ExceptionDispatchInfo? s_error;

        // Back-off when a participant lost its core to another thread: jobs run inline until s_skipUntil
        // (a Stopwatch timestamp), and each further such job doubles the pause, from MinBackoff up to MaxBackoff; a job that
        // a helper took part in and where every participant kept its core shortens it by an eighth.
        private static readonly long MinBackoff = Stopwatch.Frequency / 1000, MaxBackoff = Stopwatch.Frequency;
        private static long s_skipUntil, s_backoff = MinBackoff;

        /// <summary>Participants that ran at least this long (ns) are checked for having kept their core.</summary>
        private const long JudgedWork = 50_000;

        /// <summary>The calling thread's processor time (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, to the nanosecond) and
        /// the times the operating system took its core for another thread (involuntary context switches, from
        /// <c>getrusage(RUSAGE_THREAD)</c>, whose processor times are too coarse for a job of a few hundred microseconds);
        /// -1 where they are not available.</summary>
        private readonly struct ThreadUsage
        {
            public readonly long CpuNanoseconds, Preemptions;

            private ThreadUsage(long cpu, long preemptions)
            {
                CpuNanoseconds = cpu;
                Preemptions = preemptions;
            }

            public static readonly ThreadUsage Unknown = new ThreadUsage(-1, -1);

            public bool IsKnown => CpuNanoseconds >= 0 && Preemptions >= 0;

            [StructLayout(LayoutKind.Sequential)]
            private struct TimeSpec
            {
                public long Seconds, Nanoseconds;
            }

            [StructLayout(LayoutKind.Sequential)]
            private struct RUsage
            {
                public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
                public long MaxRss, SharedText, UnsharedData, UnsharedStack, MinorFaults, MajorFaults, Swaps, BlocksIn, BlocksOut,
                    MessagesSent, MessagesReceived, Signals, VoluntarySwitches, InvoluntarySwitches;
            }

            [DllImport("libc", EntryPoint = "clock_gettime")]
            private static extern int ClockGetTime(int clock, out TimeSpec time);

            [DllImport("libc", EntryPoint = "getrusage")]
            private static extern int GetRUsage(int who, out RUsage usage);

            // 64-bit Linux only: the structures above are laid out with 64-bit longs.
            private static bool s_available = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

            /// <summary>Whether the readings are available on this system.</summary>
            public static bool Available => s_available;

            public static ThreadUsage Read()
            {
                if (!s_available) return Unknown;
                try
                {
                    // CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD
                    if (ClockGetTime(3, out TimeSpec t) != 0 || GetRUsage(1, out RUsage u) != 0) return Unknown;
                    return new ThreadUsage(t.Seconds * 1_000_000_000 + t.Nanoseconds, u.InvoluntarySwitches);
                }
                catch (Exception)
                {
                    s_available = false;
                    return Unknown;
                }
            }

            /// <summary>Whether a participant that worked <paramref name="wall"/> ns from <paramref name="start"/> to this
            /// reading lost its core to another thread of this machine: it got less than two thirds of a core (sharing a
            /// core with one other busy thread gives about half) and the operating system switched it out for another thread
            /// meanwhile. A virtual machine's processor that the host takes away for a moment also costs processor time,
            /// but switches no thread out, and is no reason to stop sharing work (the other thread takes the blocks of a
            /// slowed one): in 10 s of SimpleConvNet's training steps at two threads on the shared development host, 43
            /// participants got under two thirds of a core, 9 of them without being switched out. A participant of a long
            /// job that lost its core for a moment (100 µs of a 500 µs chunk of samples is 80%) is not taken for one
            /// either.</summary>
            public bool LostCoreSince(in ThreadUsage start, long wall) =>
                IsKnown && start.IsKnown && wall >= JudgedWork
                && CpuNanoseconds - start.CpuNanoseconds < wall * 2 / 3
                && Preemptions > start.Preemptions;
        }

        private static long WallNanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

        /// <summary>Managed bytes the helper threads had allocated when they last finished a job (for allocation tests).</summary>
        internal static long HelperAllocatedBytes
        {
            get
            {
                long sum = 0;
                foreach (Worker w in s_workers) sum += Volatile.Read(ref w.AllocatedBytes);
                return sum;
            }
        }

        /// <summary>The GEMM pack buffers of helper <paramref name="helper"/> (0-based). Another thread may grow them only in a
        /// job's <see cref="IBlockJob.Prepare"/>, while the helpers are idle; the helper itself grows them when it runs a
        /// product inline inside a block (a chunk of samples: the first time it takes one, once).</summary>
        internal static GemmBuffers HelperGemmBuffers(int helper) => s_workers[helper].Gemm;

        /// <summary>Jobs the helpers have taken part in, summed over helpers (for tests that need them to have joined).</summary>
        internal static long HelperJobs
        {
            get
            {
                long sum = 0;
                foreach (Worker w in s_workers) sum += Volatile.Read(ref w.Jobs);
                return sum;
            }
        }

        /// <summary>Starts a back-off of <paramref name="milliseconds"/>, as a participant that lost its core would (for tests).</summary>
        internal static void BackOff(double milliseconds) =>
            Volatile.Write(ref s_skipUntil, Stopwatch.GetTimestamp() + (long)(milliseconds * Stopwatch.Frequency / 1000));

        /// <summary>Whether this system tells a participant that lost its core to another thread (64-bit Linux; elsewhere a
        /// long wait for a helper stands in). For tests.</summary>
        internal static bool ReadsThreadUsage => ThreadUsage.Available;

        /// <summary>Whether jobs started now would run inline because a participant lost its core (for tests).</summary>
        internal static bool IsBackingOff => Stopwatch.GetTimestamp() < Volatile.Read(ref s_skipUntil);

        /// <summary>Forgets any back-off, so the next jobs use the helpers again (for tests that need them to take part).</summary>
        internal static void ResetBackoff()
        {
            Volatile.Write(ref s_skipUntil, 0);
            s_backoff = MinBackoff;
        }

        /// <summary>The degree kernels plan their splits for: <see cref="KernelDispatch.MaxDegreeOfParallelism"/>, or 1 for a
        /// kernel called inside a block of a job (a chunk of samples, <see cref="SampleChunks"/>), whether the pool runs that
        /// job or the blocks run inline: its own job could only run inline, and cutting it for threads it cannot have cost
        /// more than it saved (a convolution cut into one-image ranges, each with its own scratch, ran slower on two threads
        /// than the whole chunk on one). A kernel's split never depends on the pool's back-off (which only runs the blocks
        /// inline), so neither do its results.</summary>
        public static int Degree => t_blockDepth > 0 ? 1 : KernelDispatch.MaxDegreeOfParallelism;

        /// <summary>Blocks of a pool job the calling thread is inside (see <see cref="Degree"/>).</summary>
        [ThreadStatic] private static int t_blockDepth;

        /// <summary>The job whose blocks the calling thread is claiming in parallel, and its place among the participants.</summary>
        [ThreadStatic] private static IBlockJob? t_workJob;
        [ThreadStatic] private static int t_participant;

        /// <summary>The calling thread's place among the participants of <paramref name="job"/> (0 for the thread that started
        /// it, 1 and up for helpers) while it runs the job's blocks in parallel; 0 when the blocks run inline. Participants
        /// running at once have different places, all below the job's block count, so a block may use per-place scratch.</summary>
        internal static int ParticipantOf(IBlockJob job) => ReferenceEquals(t_workJob, job) ? t_participant : 0;

        /// <summary>Runs blocks <c>[0, blocks)</c> of <paramref name="job"/>, in parallel when possible, inline otherwise.</summary>
        public static void Run(IBlockJob job, int blocks)
        {
            if (!TryRun(job, blocks))
            {
                // Inline (degree 1, one block, a back-off, or the pool busy): kernels called inside the blocks plan for one
                // thread here too, so their splits never depend on whether the pool took the job.
                t_blockDepth++;
                try
                {
                    for (int b = 0; b < blocks; b++)
                    {
                        job.Run(b);
                    }
                }
                finally
                {
                    t_blockDepth--;
                }
            }
        }

        /// <summary>Runs blocks <c>[0, blocks)</c> of <paramref name="job"/> with up to <see cref="Degree"/> threads; false
        /// (nothing ran) when the degree is 1, there is one block, or the pool is serving another job.</summary>
        public static bool TryRun(IBlockJob job, int blocks)
        {
            int degree = Math.Min(Degree, blocks);
            if (degree <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
            {
                return false;
            }

            if (Stopwatch.GetTimestamp() < Volatile.Read(ref s_skipUntil))
            {
                // Backing off: the caller runs the blocks inline. The helpers' buffers are still sized for the job, so a
                // warm-up that happens during a back-off leaves nothing to allocate once the helpers take part again.
                try
                {
                    EnsureWorkers(degree - 1);
                    job.Prepare(degree - 1);
                }
                finally
                {
                    Volatile.Write(ref s_busy, 0);
                }

                return false;
            }

            try
            {
                s_job = job;
                Volatile.Write(ref s_unclaimed, Unclaimed(0, blocks));
                s_error = null;
                int helpers = degree - 1;
                Worker[] workers = EnsureWorkers(helpers);
                job.Prepare(helpers);
                for (int w = 0; w < helpers; w++)
                {
                    Volatile.Write(ref workers[w].State, Signaled);
                    workers[w].Wake.Set();
                }

                long start = Stopwatch.GetTimestamp(), finished = start;
                ThreadUsage usageStart = ThreadUsage.Read(), usageEnd = ThreadUsage.Unknown;
                bool waited = false, contended = false;
                try
                {
                    Work(job, 0);
                    finished = Stopwatch.GetTimestamp();
                    if (WallNanoseconds(finished - start) >= JudgedWork) usageEnd = ThreadUsage.Read();
                }
                finally
                {
                    for (int w = 0; w < helpers; w++)
                    {
                        Worker worker = workers[w];
                        if (Interlocked.CompareExchange(ref worker.State, Idle, Signaled) != Signaled)
                        {
                            // The helper started: wait until it has finished touching this job's memory.
                            AwaitBriefly(ref worker.State, Idle, worker.Done);
                            worker.Done.Wait();
                            worker.Done.Reset();
                            waited = true;
                            contended |= worker.LostCore;
                        }
                    }

                    s_job = null;
                }

                contended |= usageEnd.LostCoreSince(usageStart, WallNanoseconds(finished - start));
                if (waited || contended)
                {
                    // A participant that lost its core to another thread (ThreadUsage.LostCoreSince) means more runnable
                    // threads than cores: the helper then slows the caller down. Where threads' usage cannot be read, a
                    // long wait for a helper's last block stands in for it. (Where it can, a long wait alone is not taken as
                    // a sign: on virtual machines a helper's wake-up is often slow while the core is free.)
                    long wait = Stopwatch.GetTimestamp() - finished, own = finished - start;
                    if (contended || (!usageStart.IsKnown && wait > own / 2 + Stopwatch.Frequency / 20_000))
                    {
                        Volatile.Write(ref s_skipUntil, Stopwatch.GetTimestamp() + s_backoff);
                        s_backoff = Math.Min(2 * s_backoff, MaxBackoff);
                    }
                    else if (s_backoff > MinBackoff)
                    {
                        // Recover slowly: under sustained contention some jobs still look fine by chance.
                        s_backoff = Math.Max(MinBackoff, s_backoff - s_backoff / 8);
                    }
                }

                s_error?.Throw();
                return true;
            }
            finally
            {
                s_error = null;
                Volatile.Write(ref s_busy, 0);
            }
        }

        private static void Work(IBlockJob job, int participant)
        {
            // Even places claim from the front, odd ones from the back. Two threads of equal speed so take the same blocks in
            // every call: the calling thread the first half, the helper the second. A product split by depth then finds its
            // part of the weights in its own core's L2 from the last call (SimpleConvNet's 1.7 MB W2: each half stays), and
            // a backward kernel cut into ranges of images like the forward pass's chunks finds them where they were
            // written. A thread that falls behind still just takes fewer blocks. SimpleConvNet at batch 100 on two threads,
            // taking turns with front-only claims: inference 2.8–4.5% and a training step 1.9–3.2% faster by round.
            bool fromBack = participant % 2 == 1;
            IBlockJob? outerJob = t_workJob;
            int outerParticipant = t_participant;
            t_workJob = job;
            t_participant = participant;
            t_blockDepth++;
            try
            {
                while (true)
                {
                    int index = Claim(fromBack);
                    if (index < 0)
                    {
                        return;
                    }

                    job.Run(index);
                }
            }
            finally
            {
                t_blockDepth--;
                t_workJob = outerJob;
                t_participant = outerParticipant;
            }
        }

        private static long Unclaimed(int front, int end) => ((long)end << 32) | (uint)front;

        /// <summary>Claims the first or the last unclaimed block; -1 when none is left.</summary>
        private static int Claim(bool fromBack)
        {
            while (true)
            {
                long unclaimed = Volatile.Read(ref s_unclaimed);
                int front = (int)unclaimed, end = (int)(unclaimed >> 32);
                if (front >= end) return -1;
                long rest = fromBack ? Unclaimed(front, end - 1) : Unclaimed(front + 1, end);
                if (Interlocked.CompareExchange(ref s_unclaimed, rest, unclaimed) == unclaimed) return fromBack ? end - 1 : front;
            }
        }

        /// <summary>Waits, awake, up to <see cref="KernelDispatch.AwakeMicroseconds"/> for <paramref name="state"/> to become <paramref name="wanted"/>
        /// or <paramref name="signal"/> to be set; the caller then blocks on <paramref name="signal"/> as before (which returns at
        /// once when it was set).</summary>
        private static void AwaitBriefly(ref int state, int wanted, ManualResetEventSlim signal)
        {
            if (KernelDispatch.AwakeMicroseconds == 0) return;
            long deadline = AwakeUntil();
            int spins = 0;
            while (Volatile.Read(ref state) != wanted && !signal.IsSet)
            {
                if (++spins % 64 == 0)
                {
                    if (Stopwatch.GetTimestamp() > deadline) return;
                    Thread.Yield();
                }
                else
                {
                    Thread.SpinWait(8);
                }
            }
        }

        /// <summary>The <see cref="Stopwatch"/> timestamp up to which a thread that starts waiting now stays awake
        /// (<see cref="KernelDispatch.AwakeMicroseconds"/> from now) before it blocks.</summary>
        internal static long AwakeUntil() => Stopwatch.GetTimestamp() + Stopwatch.Frequency * KernelDispatch.AwakeMicroseconds / 1_000_000;

        /// <summary>Splits <paramref name="count"/> items into <paramref name="parts"/> nearly equal ranges; the start of range <paramref name="index"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Split(int count, int parts, int index) => (int)((long)count * index / parts);

        /// <summary>Blocks for <paramref name="items"/> independent items at the current degree: about four per thread (for
        /// balance when a helper starts late), at most one per item, and 1 when the degree is 1.</summary>
        public static int BlocksFor(int items, int perThread = 4) => BlocksFor(items, perThread, Degree);

        /// <summary><see cref="BlocksFor(int, int)"/> at a given degree.</summary>
        public static int BlocksFor(int items, int perThread, int degree) =>
            degree <= 1 ? 1 : Math.Max(1, Math.Min(items, degree * perThread));

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

        private sealed class Worker
        {
            public int State;
            public long AllocatedBytes, Jobs;

            /// <summary>Whether this helper lost its core to another thread during its part of the last job.</summary>
            public bool LostCore;

            // Spin count 0: an idle helper sleeps in the kernel instead of burning the shared core.
            public readonly ManualResetEventSlim Wake = new ManualResetEventSlim(false, 0);
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false, 0);

            /// <summary>This helper's GEMM pack buffers (its thread's <see cref="GemmBuffers.ForCurrentThread"/>).</summary>
            public readonly GemmBuffers Gemm = new GemmBuffers();

            private readonly int _index;

            public Worker(int index)
            {
                _index = index;
                var thread = new Thread(Loop) { IsBackground = true, Name = $"CnnGen worker {index + 1}" };
                thread.Start();
            }

            private void Loop()
            {
                GemmBuffers.BindCurrentThread(Gemm);
                while (true)
                {
                    // Stay awake for a moment after a job: kernels come in runs (the layers of one pass), and waking a blocked
                    // thread costs far more than the short jobs it would take part in.
                    AwaitBriefly(ref State, Signaled, Wake);
                    Wake.Wait();
                    Wake.Reset();
                    if (Interlocked.CompareExchange(ref State, Running, Signaled) != Signaled)
                    {
                        continue; // revoked before it started
                    }

                    long start = Stopwatch.GetTimestamp();
                    ThreadUsage usage = ThreadUsage.Read();
                    try
                    {
                        Work(s_job!, _index + 1);
                    }
                    catch (Exception e)
                    {
                        s_error ??= ExceptionDispatchInfo.Capture(e);
                        // Stop the other participants from claiming further blocks.
                        Volatile.Write(ref s_unclaimed, 0);
                    }
                    finally
                    {
                        long wall = WallNanoseconds(Stopwatch.GetTimestamp() - start);
                        LostCore = wall >= JudgedWork && ThreadUsage.Read().LostCoreSince(usage, wall);
                        Volatile.Write(ref AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                        Volatile.Write(ref Jobs, Jobs + 1);
                        Volatile.Write(ref State, Idle);
                        Done.Set();
                    }
                }
            }
        }
    }
}
