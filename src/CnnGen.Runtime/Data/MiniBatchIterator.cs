using System;
using CnnGen.Kernels;

namespace CnnGen.Data
{
    /// <summary>
    /// Walks a data set in shuffled mini-batches, epoch after epoch, copying each batch into buffers it
    /// owns: after construction no call allocates. The order of every epoch is a seeded permutation
    /// (equal seeds give equal orders on every platform; each epoch has its own order).
    /// </summary>
    /// <example>
    /// <code>
    /// var batches = new MiniBatchIterator(data, batchSize: 100, seed: 42);
    /// for (int epoch = 0; epoch &lt; 10; epoch++)
    ///     while (batches.MoveNext())
    ///         net.Loss(batches.Inputs, batches.Labels);
    /// </code>
    /// </example>
    public sealed class MiniBatchIterator
    {
        private readonly float[] _samples;
        private readonly int[] _labels;
        private readonly int[] _order;
        private readonly float[] _inputBuffer;
        private readonly int[] _labelBuffer;
        private readonly int[] _indexBuffer;
        private readonly ulong _seed;
        private int _position;
        private int _count;
        private bool _inEpoch;

        /// <summary>Iterates over <paramref name="data"/>'s images and labels.</summary>
        public MiniBatchIterator(MnistDataset data, int batchSize, ulong seed, bool shuffle = true, bool dropLast = false)
            : this((data ?? throw new ArgumentNullException(nameof(data))).Images, data.Labels, data.SampleSize, batchSize, seed, shuffle, dropLast)
        {
        }

        /// <summary>
        /// Iterates over <paramref name="labels"/>.Length samples of <paramref name="sampleSize"/> floats each in
        /// <paramref name="samples"/>. The arrays are referenced, not copied.
        /// </summary>
        /// <param name="samples">All samples, one after another.</param>
        /// <param name="labels">The class of each sample.</param>
        /// <param name="sampleSize">Floats per sample.</param>
        /// <param name="batchSize">Samples per batch.</param>
        /// <param name="seed">Seed of the shuffling.</param>
        /// <param name="shuffle">False walks the samples in their stored order every epoch.</param>
        /// <param name="dropLast">True skips the last batch of an epoch when it is smaller than <paramref name="batchSize"/>.</param>
        public MiniBatchIterator(float[] samples, int[] labels, int sampleSize, int batchSize, ulong seed, bool shuffle = true, bool dropLast = false)
        {
            ArgumentNullException.ThrowIfNull(samples);
            ArgumentNullException.ThrowIfNull(labels);
            if (sampleSize < 1) throw new ArgumentOutOfRangeException(nameof(sampleSize), sampleSize, "The sample size must be >= 1.");
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be >= 1.");
            if ((long)labels.Length * sampleSize != samples.Length)
            {
                throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * sampleSize} floats of samples, got {samples.Length}.", nameof(samples));
            }

            _samples = samples;
            _labels = labels;
            SampleSize = sampleSize;
            BatchSize = batchSize;
            Shuffle = shuffle;
            DropLast = dropLast;
            _seed = seed;
            _order = new int[labels.Length];
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            _inputBuffer = new float[checked(batchSize * sampleSize)];
            _labelBuffer = new int[batchSize];
            _indexBuffer = new int[batchSize];
            Epoch = -1;
        }

        /// <summary>Floats per sample.</summary>
        public int SampleSize { get; }

        /// <summary>Samples per full batch.</summary>
        public int BatchSize { get; }

        /// <summary>Whether each epoch is shuffled.</summary>
        public bool Shuffle { get; }

        /// <summary>Whether a last, smaller batch is skipped.</summary>
        public bool DropLast { get; }

        /// <summary>Number of samples in the data set.</summary>
        public int SampleCount => _labels.Length;

        /// <summary>Batches in one epoch.</summary>
        public int BatchesPerEpoch => DropLast ? SampleCount / BatchSize : (SampleCount + BatchSize - 1) / BatchSize;

        /// <summary>The current epoch, counted from 0; -1 before the first <see cref="MoveNext"/>.</summary>
        public int Epoch { get; private set; }

        /// <summary>Samples in the current batch (<see cref="BatchSize"/>, or fewer for a last partial batch).</summary>
        public int Count => _count;

        /// <summary>The current batch's inputs, <c>Count x SampleSize</c>.</summary>
        public ReadOnlySpan<float> Inputs => _inputBuffer.AsSpan(0, _count * SampleSize);

        /// <summary>The current batch's labels.</summary>
        public ReadOnlySpan<int> Labels => _labelBuffer.AsSpan(0, _count);

        /// <summary>The positions in the data set of the current batch's samples.</summary>
        public ReadOnlySpan<int> Indices => _indexBuffer.AsSpan(0, _count);

        /// <summary>The owned input buffer (full batch size); the current batch is its first <c>Count * SampleSize</c> floats.</summary>
        public float[] InputBuffer => _inputBuffer;

        /// <summary>The owned label buffer (full batch size); the current batch is its first <see cref="Count"/> labels.</summary>
        public int[] LabelBuffer => _labelBuffer;

        /// <summary>
        /// Fills the buffers with the next batch and returns true, or returns false at the end of an epoch.
        /// The call after a false starts the next epoch (with a new order).
        /// </summary>
        public bool MoveNext()
        {
            if (!_inEpoch)
            {
                StartEpoch();
            }

            int remaining = SampleCount - _position;
            int n = Math.Min(BatchSize, remaining);
            if (n <= 0 || (DropLast && n < BatchSize))
            {
                _inEpoch = false;
                _count = 0;
                return false;
            }

            Span<float> inputs = _inputBuffer;
            for (int i = 0; i < n; i++)
            {
                int index = _order[_position + i];
                _indexBuffer[i] = index;
                _labelBuffer[i] = _labels[index];
                _samples.AsSpan(index * SampleSize, SampleSize).CopyTo(inputs.Slice(i * SampleSize, SampleSize));
            }

            _position += n;
            _count = n;
            return true;
        }

        /// <summary>Abandons the current epoch; the next <see cref="MoveNext"/> starts a new one.</summary>
        public void EndEpoch()
        {
            _inEpoch = false;
            _count = 0;
        }

        private void StartEpoch()
        {
            Epoch++;
            _position = 0;
            _inEpoch = true;
            if (!Shuffle) return;

            // Each epoch's generator is derived from (seed, epoch), so an epoch's order does not depend on how
            // the previous ones were consumed. Sorting back to identity first keeps it independent of them too.
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            var random = new SplitMix64(Mix(_seed ^ Mix((ulong)Epoch + 1)));
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = (int)(random.NextUInt64() % (ulong)(i + 1));
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
        }

        private static ulong Mix(ulong z)
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
