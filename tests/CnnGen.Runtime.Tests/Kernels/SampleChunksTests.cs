using System;
using System.Threading;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The batch-level parallel pass: how a batch is cut, that every sample is run exactly once in its chunk at every
/// degree, that kernels called inside a chunk give the results they give alone, failures, and no allocation.</summary>
[Collection("KernelDispatch")]
public sealed class SampleChunksTests
{
    /// <summary>Records the chunks (first sample, count, workspace slot) and how often each sample ran, spinning a little
    /// per chunk so that a helper joins, and whether two chunks ever held the same slot at once.</summary>
    private sealed class RecordingJob : ISampleChunkJob
    {
        public int[] Runs = Array.Empty<int>();
        public int[] CountAtFirst = Array.Empty<int>(), SlotAtFirst = Array.Empty<int>();
        public int Threads, SpinMicroseconds, SlotClashes, SlotsBeyondPrepared, PreparedSlots = 1;
        private readonly int[] _slotInUse = new int[SampleChunks.MaxChunks];
        private int _mainThread;

        public void Reset(int batch)
        {
            if (Runs.Length != batch)
            {
                Runs = new int[batch];
                CountAtFirst = new int[batch];
                SlotAtFirst = new int[batch];
            }

            Array.Clear(Runs);
            Array.Fill(CountAtFirst, -1);
            Array.Fill(SlotAtFirst, -1);
            Threads = 0;
            SlotClashes = 0;
            SlotsBeyondPrepared = 0;
            PreparedSlots = 1;
            _mainThread = Environment.CurrentManagedThreadId;
        }

        public void PrepareSlots(int slots) => PreparedSlots = slots;

        public void RunChunk(int slot, int first, int count)
        {
            if (slot >= Volatile.Read(ref PreparedSlots)) Interlocked.Increment(ref SlotsBeyondPrepared);
            if (Interlocked.Exchange(ref _slotInUse[slot], 1) != 0) Interlocked.Increment(ref SlotClashes);
            CountAtFirst[first] = count;
            SlotAtFirst[first] = slot;
            for (int n = first; n < first + count; n++) Interlocked.Increment(ref Runs[n]);
            if (Environment.CurrentManagedThreadId != _mainThread) Interlocked.Exchange(ref Threads, 2);
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
            Volatile.Write(ref _slotInUse[slot], 0);
        }
    }

    private sealed class ThrowingJob : ISampleChunkJob
    {
        public void RunChunk(int slot, int first, int count)
        {
            if (first == SampleChunks.First(64, SampleChunks.Count(64), 1)) throw new InvalidOperationException("chunk 1 failed");
        }
    }

    /// <summary>A chunk that multiplies its rows of A by B with the library's product (which splits work among threads when
    /// called alone, and must run inline inside a chunk).</summary>
    private sealed class ProductJob : ISampleChunkJob
    {
        public float[] A = Array.Empty<float>(), B = Array.Empty<float>(), C = Array.Empty<float>();
        public int K, N;

        public void RunChunk(int slot, int first, int count) =>
            Gemm.Multiply(false, false, count, N, K, A.AsSpan(first * K, count * K), B, C.AsSpan(first * N, count * N));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 1)]
    [InlineData(31, 1)]
    [InlineData(32, 2)]
    [InlineData(63, 2)]
    [InlineData(64, 4)]
    [InlineData(100, 4)]
    [InlineData(127, 4)]
    [InlineData(128, 8)]
    [InlineData(256, 8)]
    [InlineData(100_000, 8)]
    public void A_batch_is_cut_into_a_power_of_two_of_chunks_of_at_least_the_minimum(int batch, int expected)
    {
        int chunks = SampleChunks.Count(batch);
        Assert.Equal(expected, chunks);
        Assert.True(chunks <= SampleChunks.MaxChunks);
        Assert.Equal(0, chunks & (chunks - 1));
        if (chunks > 1) Assert.True(batch / chunks >= SampleChunks.MinSamples, $"{batch} samples in {chunks} chunks");
    }

    [Theory]
    [InlineData(15, 1)]
    [InlineData(16, 2)]
    [InlineData(32, 4)]
    [InlineData(63, 4)]
    [InlineData(64, 8)]
    [InlineData(100, 8)]
    [InlineData(100_000, 8)]
    public void Chunks_holding_small_weights_may_be_half_as_small(int batch, int expected)
    {
        int chunks = SampleChunks.Count(batch, SampleChunks.MinSamplesSmallWeights);
        Assert.Equal(expected, chunks);
        if (chunks > 1) Assert.True(batch / chunks >= SampleChunks.MinSamplesSmallWeights, $"{batch} samples in {chunks} chunks");
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleChunks.Count(batch, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_sample_is_run_once_in_consecutive_chunks_of_nearly_equal_size_each_with_a_free_slot(int degree)
    {
        var job = new RecordingJob { SpinMicroseconds = 200 };
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            foreach (int batch in new[] { 1, 7, 31, 32, 33, 65, 100, 127, 129, 1001 })
            {
                ParallelBlocks.ResetBackoff();
                job.Reset(batch);
                SampleChunks.Run(job, batch);
                int chunks = SampleChunks.Count(batch);
                Assert.All(job.Runs, runs => Assert.Equal(1, runs));
                for (int c = 0; c < chunks; c++)
                {
                    int first = SampleChunks.First(batch, chunks, c), count = SampleChunks.First(batch, chunks, c + 1) - first;
                    Assert.Equal(count, job.CountAtFirst[first]);
                    Assert.InRange(count, batch / chunks, (batch + chunks - 1) / chunks);
                    // One thread reuses workspace 0; two threads use 0 and 1.
                    Assert.InRange(job.SlotAtFirst[first], 0, Math.Min(degree, chunks) - 1);
                }

                Assert.Equal(chunks, job.CountAtFirst.Count(c => c >= 0));
                Assert.Equal(0, job.SlotClashes);
                Assert.Equal(0, job.SlotsBeyondPrepared);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Chunks_share_the_pool_at_degree_2_and_its_helpers_allocate_nothing_after_warm_up()
    {
        var job = new RecordingJob { SpinMicroseconds = 2000 };
        job.Reset(100);
        bool helperRan = false;
        HelperAllocations.AssertNoneAfterWarmUp(rounds: 5, expectHelpers: true, () =>
        {
            job.Reset(100);
            SampleChunks.Run(job, 100);
            helperRan |= job.Threads == 2;
        });
        Assert.True(helperRan, "no chunk ran on a helper thread");
    }

    [Fact]
    public void A_kernel_inside_a_chunk_runs_inline_and_gives_the_result_it_gives_alone()
    {
        const int batch = 128, k = 640, n = 320;
        var random = new Random(11);
        var job = new ProductJob { K = k, N = n, A = Fill(random, batch * k), B = Fill(random, k * n), C = new float[batch * n] };
        float[] alone = new float[batch * n];
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 2;
            int chunks = SampleChunks.Count(batch);
            for (int c = 0; c < chunks; c++)
            {
                int first = SampleChunks.First(batch, chunks, c), count = SampleChunks.First(batch, chunks, c + 1) - first;
                Gemm.Multiply(false, false, count, n, k, job.A.AsSpan(first * k, count * k), job.B, alone.AsSpan(first * n, count * n));
            }

            for (int round = 0; round < 3; round++)
            {
                ParallelBlocks.ResetBackoff();
                Array.Clear(job.C);
                SampleChunks.Run(job, batch);
                Assert.Equal(alone, job.C);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Each chunk records the degree its kernels plan for and, for the outer batch, runs an inner batch of its own.</summary>
    private sealed class NestingJob : ISampleChunkJob
    {
        public readonly RecordingJob Inner = new();
        public int[] OuterRuns = new int[128];
        public int DegreeAboveOne;

        public void RunChunk(int slot, int first, int count)
        {
            if (ParallelBlocks.Degree != 1) Interlocked.Increment(ref DegreeAboveOne);
            for (int n = first; n < first + count; n++) Interlocked.Increment(ref OuterRuns[n]);
            lock (Inner)
            {
                Inner.Reset(64);
                SampleChunks.Run(Inner, 64); // the same thread starts another batch inside a chunk
                Assert.All(Inner.Runs, runs => Assert.Equal(1, runs));
                Assert.All(Inner.SlotAtFirst.Where(s => s >= 0), s => Assert.Equal(0, s));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Kernels_and_batches_started_inside_a_chunk_run_on_its_thread_and_leave_the_outer_batch_whole(int degree)
    {
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            for (int round = 0; round < 3; round++)
            {
                ParallelBlocks.ResetBackoff();
                var job = new NestingJob();
                SampleChunks.Run(job, 128);
                Assert.All(job.OuterRuns, runs => Assert.Equal(1, runs));
                Assert.Equal(0, job.DegreeAboveOne);
            }

            // Inline too (a back-off): kernels inside the chunks still plan for one thread.
            ParallelBlocks.BackOff(milliseconds: 60_000);
            var inline = new NestingJob();
            SampleChunks.Run(inline, 128);
            Assert.All(inline.OuterRuns, runs => Assert.Equal(1, runs));
            Assert.Equal(0, inline.DegreeAboveOne);
        }
        finally
        {
            ParallelBlocks.ResetBackoff();
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_failing_chunk_fails_the_call_and_the_pool_serves_the_next(int degree)
    {
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            var error = Assert.Throws<InvalidOperationException>(() => SampleChunks.Run(new ThrowingJob(), 64));
            Assert.Equal("chunk 1 failed", error.Message);
            var job = new RecordingJob();
            job.Reset(64);
            SampleChunks.Run(job, 64);
            Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Checks, when a chunk runs, that its samples of the input are already in the copy, and records how often each
    /// sample ran and whether a helper thread ran a chunk (spinning a little per chunk so that one joins).</summary>
    private sealed class CopyCheckingJob : ISampleChunkJob
    {
        public float[] Input = Array.Empty<float>(), Copy = Array.Empty<float>();
        public int SampleSize, Batch, Mismatches, Threads, LaterChunksCopied;

        /// <summary>Also count later samples already in the copy (meaningful when the chunks run in order on one thread).</summary>
        public bool CheckLaterUncopied;
        public int[] Runs = Array.Empty<int>();
        private int _mainThread;

        public void Reset(int batch, int sampleSize, Random random)
        {
            Batch = batch;
            SampleSize = sampleSize;
            Input = Fill(random, batch * sampleSize);
            Copy = new float[batch * sampleSize + 5]; // longer than needed: the tail must stay untouched
            Array.Fill(Copy, float.NaN);
            Runs = new int[batch];
            Mismatches = 0;
            LaterChunksCopied = 0;
            Threads = 1;
            _mainThread = Environment.CurrentManagedThreadId;
        }

        public void RunChunk(int slot, int first, int count)
        {
            for (int i = first * SampleSize; i < (first + count) * SampleSize; i++)
            {
                if (BitConverter.SingleToInt32Bits(Copy[i]) != BitConverter.SingleToInt32Bits(Input[i])) Interlocked.Increment(ref Mismatches);
            }

            if (CheckLaterUncopied)
            {
                for (int i = (first + count) * SampleSize; i < Batch * SampleSize; i++)
                {
                    if (!float.IsNaN(Copy[i])) LaterChunksCopied++;
                }
            }

            for (int n = first; n < first + count; n++) Interlocked.Increment(ref Runs[n]);
            if (Environment.CurrentManagedThreadId != _mainThread) Interlocked.Exchange(ref Threads, 2);
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + 300 * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Each_chunk_finds_its_input_copied_when_it_runs(int degree)
    {
        var job = new CopyCheckingJob();
        var random = new Random(17);
        bool helperJoined = false;
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            foreach (int batch in new[] { 1, 7, 31, 32, 100, 129 })
            {
                foreach (int sampleSize in new[] { 1, 3, 784 })
                {
                    ParallelBlocks.ResetBackoff();
                    job.Reset(batch, sampleSize, random);
                    job.CheckLaterUncopied = degree == 1;
                    SampleChunks.Run(job, batch, job.Input, job.Copy, sampleSize);
                    Assert.Equal(0, job.Mismatches);
                    // On one thread each chunk's input is copied just before that chunk runs, not the batch's up front.
                    Assert.Equal(0, job.LaterChunksCopied);
                    Assert.All(job.Runs, runs => Assert.Equal(1, runs));
                    Assert.Equal(job.Input, job.Copy.AsSpan(0, job.Input.Length).ToArray());
                    Assert.All(job.Copy.AsSpan(job.Input.Length).ToArray(), v => Assert.True(float.IsNaN(v)));
                    helperJoined |= job.Threads == 2;
                }
            }

            // At degree 2 a helper took chunks (and copied their input itself) at least once. On a machine busy with other
            // work (the other test assemblies run at the same time) the helper may not get a core before the calling thread
            // has taken every chunk, in any of the batches above: then more batches, until it does (for up to 20 s).
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (degree == 2 && !helperJoined && patience.Elapsed.TotalSeconds < 20)
            {
                ParallelBlocks.ResetBackoff();
                job.Reset(100, 784, random);
                SampleChunks.Run(job, 100, job.Input, job.Copy, 784);
                Assert.Equal(0, job.Mismatches);
                Assert.Equal(job.Input, job.Copy.AsSpan(0, job.Input.Length).ToArray());
                helperJoined = job.Threads == 2;
            }

            Assert.Equal(degree == 2, helperJoined);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Checks, when a chunk runs, its samples of a copy that lies in <see cref="Buffer"/> from
    /// <see cref="CopyStart"/> against the input as it was before the run.</summary>
    private sealed class ShiftedCopyJob : ISampleChunkJob
    {
        public float[] Buffer = Array.Empty<float>(), Expected = Array.Empty<float>();
        public int CopyStart, SampleSize, Mismatches;

        public void RunChunk(int slot, int first, int count)
        {
            for (int i = first * SampleSize; i < (first + count) * SampleSize; i++)
            {
                if (BitConverter.SingleToInt32Bits(Buffer[CopyStart + i]) != BitConverter.SingleToInt32Bits(Expected[i])) Interlocked.Increment(ref Mismatches);
            }
        }
    }

    /// <summary>An input that lies in its copy's own buffer, a few samples after or before it: copying chunk by chunk would
    /// overwrite the input of chunks still to come, so it is copied whole first.</summary>
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(1, -3)]
    [InlineData(2, -3)]
    public void An_input_that_overlaps_its_copy_is_copied_whole_first(int degree, int shiftSamples)
    {
        const int batch = 100, size = 7;
        var job = new ShiftedCopyJob { SampleSize = size, Buffer = Fill(new Random(23), (batch + 3) * size) };
        int inputStart = Math.Max(shiftSamples, 0) * size;
        job.CopyStart = Math.Max(-shiftSamples, 0) * size;
        job.Expected = job.Buffer.AsSpan(inputStart, batch * size).ToArray();
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            ParallelBlocks.ResetBackoff();
            SampleChunks.Run(job, batch, job.Buffer.AsSpan(inputStart, batch * size), job.Buffer.AsSpan(job.CopyStart, batch * size), size);
            Assert.Equal(0, job.Mismatches);
            Assert.Equal(job.Expected, job.Buffer.AsSpan(job.CopyStart, batch * size).ToArray());
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => SampleChunks.Run(null!, 10));
        Assert.Throws<ArgumentException>(() => SampleChunks.Run(new RecordingJob(), 0));
        Assert.Throws<ArgumentException>(() => SampleChunks.Count(-1));
        float[] input = new float[12], copy = new float[12];
        Assert.Throws<ArgumentNullException>(() => SampleChunks.Run(null!, 4, input, copy, 3));
        var length = Assert.Throws<ArgumentException>(() => SampleChunks.Run(new RecordingJob(), 5, input, copy, 3));
        Assert.Contains("15", length.Message);
        Assert.Throws<ArgumentException>(() => SampleChunks.Run(new RecordingJob(), 4, input, new float[11], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleChunks.Run(new RecordingJob(), 4, input, copy, 0));
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
