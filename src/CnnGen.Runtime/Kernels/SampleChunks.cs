using System;

namespace CnnGen.Kernels
{
    /// <summary>A pass over a range of samples that does not depend on the other samples of the batch (a generated
    /// network's forward pass: always in inference, in training when no layer ties the samples together):
    /// <see cref="SampleChunks.Run(ISampleChunkJob, int, int)"/> cuts a batch into chunks and runs them on several threads.</summary>
    public interface ISampleChunkJob
    {
        /// <summary>Runs samples [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of the batch
        /// with workspace <paramref name="slot"/>: a number that no other chunk running at the same time has, below the
        /// slots last passed to <see cref="PrepareSlots"/> (the thread's place in the pool; 0 when the chunks run one after
        /// another on one thread, so a single thread reuses one workspace, which stays in cache).</summary>
        void RunChunk(int slot, int first, int count);

        /// <summary>Called on the calling thread before the chunks of a batch run on <paramref name="slots"/> threads at once
        /// (and before any helper joins): the place to grow per-slot workspaces. Slot 0 must always be ready: chunks that run
        /// one after another on one thread use it without this call.</summary>
        void PrepareSlots(int slots)
        {
        }
    }

    /// <summary>
    /// Batch-level parallelism for passes whose samples are independent: the batch is cut into chunks of consecutive samples
    /// and every thread of the pool takes whole chunks, each through every layer, so the layers do not wait for each other
    /// between kernels (a kernel called inside a chunk runs on its chunk's thread). The cut depends only on the batch size and
    /// the smallest chunk the caller asks for (<see cref="Count"/>), never on the thread count or the machine's load, so
    /// results are the same at every degree of parallelism. Nothing is allocated per call.
    /// </summary>
    public static class SampleChunks
    {
        /// <summary>Fewest samples per chunk by default, and where a chunk's layers hold large weights (affine layers of more
        /// than half a megabyte in all): smaller chunks would reread them from beyond L2 too often for the work on them.</summary>
        public const int MinSamples = 16;

        /// <summary>Fewest samples per chunk where a chunk's layers hold small weights (convolutions, pooling and activations,
        /// and affine layers of at most half a megabyte in all; the generated code passes it then): they stay in L2 from
        /// chunk to chunk, and twice as many chunks let two threads share a batch evenly when one of them is slowed.
        /// SimpleConvNet at batch 100 (its affine layers take the whole batch after the chunks), in turns with chunks of 16
        /// or more: two threads 1.5–10% faster, one thread level; SmallVgg 1–3% faster on either. LeNet-5 (0.24 MB of affine
        /// weights in its chunks; <c>benchmarks/CnnGen.BuildCompare</c>, three comparisons): two threads 0.96–1.00× the
        /// time for a training step and 0.92–0.99× for batch-100 inference, one thread level (0.99–1.01×).</summary>
        public const int MinSamplesSmallWeights = 8;

        /// <summary>Most chunks a batch is cut into.</summary>
        public const int MaxChunks = 8;

        [ThreadStatic] private static Job? t_job;

        /// <summary>Chunks a batch of <paramref name="batch"/> samples is cut into: a power of two (so two, four or eight
        /// threads share it evenly), at most <see cref="MaxChunks"/>, each at least <paramref name="minSamples"/> samples; 1
        /// for a batch under twice <paramref name="minSamples"/> (such a batch is left to the kernels' own parallelism).</summary>
        public static int Count(int batch, int minSamples = MinSamples)
        {
            Guard.Batch(batch);
            if (minSamples < 1) throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, "A chunk must hold at least one sample.");
            int chunks = 1;
            while (chunks < MaxChunks && batch >= 2L * chunks * minSamples) chunks *= 2;
            return chunks;
        }

        /// <summary>First sample of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over a batch of
        /// <paramref name="batch"/> (chunk sizes differ by at most one sample).</summary>
        public static int First(int batch, int chunks, int chunk) => (int)((long)batch * chunk / chunks);

        /// <summary>Runs <paramref name="job"/> over the <see cref="Count"/> chunks of a batch of <paramref name="batch"/>
        /// samples (each at least <paramref name="minSamples"/>), on up to <see cref="KernelDispatch.MaxDegreeOfParallelism"/>
        /// threads (inline on the calling thread when there is one chunk).</summary>
        public static void Run(ISampleChunkJob job, int batch, int minSamples = MinSamples)
        {
            if (job is null) throw new ArgumentNullException(nameof(job));
            RunCore(job, batch, Count(batch, minSamples), default);
        }

        /// <summary>
        /// <see cref="Run(ISampleChunkJob, int, int)"/>, with each chunk's samples of <paramref name="input"/> (NCHW,
        /// <paramref name="sampleSize"/> floats each) copied to the same place in <paramref name="inputCopy"/> just before the
        /// chunk runs, by the thread that runs it: the copy is shared among the threads like the rest of the pass, and each
        /// thread's chunk of the input is in its own cache when its first layer reads it (a batch copied whole by the calling
        /// thread was a serial step, and the other threads then read their chunks from the calling thread's cache). The input
        /// must not lie in memory that a chunk writes (other than <paramref name="inputCopy"/> itself, which is then copied
        /// whole first): a later chunk would read what an earlier one wrote.
        /// </summary>
        public static unsafe void Run(ISampleChunkJob job, int batch, ReadOnlySpan<float> input, Span<float> inputCopy, int sampleSize,
            int minSamples = MinSamples)
        {
            if (job is null) throw new ArgumentNullException(nameof(job));
            Guard.Batch(batch);
            if (sampleSize < 1) throw new ArgumentOutOfRangeException(nameof(sampleSize), sampleSize, "A sample must have at least one float.");
            int chunks = Count(batch, minSamples);
            Guard.Length(input.Length, (long)batch * sampleSize, nameof(input));
            Guard.AtLeast(inputCopy.Length, (long)batch * sampleSize, nameof(inputCopy));
            if (input.Overlaps(inputCopy))
            {
                // A chunk's copy would overwrite the input of chunks still to come: copy it whole first.
                input.CopyTo(inputCopy);
                RunCore(job, batch, chunks, default);
                return;
            }

            fixed (float* source = input)
            fixed (float* destination = inputCopy)
            {
                RunCore(job, batch, chunks, new InputCopy(source, destination, sampleSize));
            }
        }

        private static void RunCore(ISampleChunkJob job, int batch, int chunks, InputCopy copy)
        {
            if (chunks == 1 || ParallelBlocks.Degree == 1)
            {
                // One chunk, or chunks that can only run one after another on this thread (degree 1, or inside a block of a
                // pool job, this thread's own running batch included, whether the pool runs it or not): in order, with
                // workspace 0, leaving t_job to the batch that may be using it.
                for (int c = 0; c < chunks; c++)
                {
                    RunChunk(job, 0, batch, chunks, c, copy);
                }

                return;
            }

            Job blocks = t_job ??= new Job();
            blocks.Set(job, batch, chunks, copy);
            try
            {
                ParallelBlocks.Run(blocks, chunks);
            }
            finally
            {
                blocks.Set(null, 0, 0, default);
            }
        }

        /// <summary>Chunk <paramref name="chunk"/> of <paramref name="chunks"/>: its input copied, then run with workspace
        /// <paramref name="slot"/>.</summary>
        private static void RunChunk(ISampleChunkJob job, int slot, int batch, int chunks, int chunk, InputCopy copy)
        {
            int first = First(batch, chunks, chunk), count = First(batch, chunks, chunk + 1) - first;
            copy.Chunk(first, count);
            job.RunChunk(slot, first, count);
        }

        /// <summary>Where a chunk's input is copied from and to before it runs (nothing to copy when the pointers are null).
        /// The spans behind the pointers are pinned by the caller for the whole batch.</summary>
        private readonly unsafe struct InputCopy
        {
            private readonly float* _source, _destination;
            private readonly int _sampleSize;

            public InputCopy(float* source, float* destination, int sampleSize)
            {
                _source = source;
                _destination = destination;
                _sampleSize = sampleSize;
            }

            public void Chunk(int first, int count)
            {
                if (_source == null) return;
                long offset = (long)first * _sampleSize, length = (long)count * _sampleSize;
                Buffer.MemoryCopy(_source + offset, _destination + offset, length * sizeof(float), length * sizeof(float));
            }
        }

        /// <summary>The chunks as blocks of the shared pool (one object per calling thread, reused).</summary>
        private sealed class Job : IBlockJob
        {
            private ISampleChunkJob? _job;
            private int _batch, _chunks;
            private InputCopy _copy;

            public void Set(ISampleChunkJob? job, int batch, int chunks, InputCopy copy)
            {
                _job = job;
                _batch = batch;
                _chunks = chunks;
                _copy = copy;
            }

            public void Prepare(int helpers) => _job!.PrepareSlots(helpers + 1);

            public void Run(int chunk) => RunChunk(_job!, ParallelBlocks.ParticipantOf(this), _batch, _chunks, chunk, _copy);
        }
    }
}
