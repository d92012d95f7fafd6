using System;

namespace CnnGen.Kernels
{
    /// <summary>Validation used at the public boundary of the kernels only; inner loops check nothing.</summary>
    internal static class Guard
    {
        public static void Batch(int batch)
        {
            if (batch < 1) throw new ArgumentException($"The batch size must be at least 1, got {batch}.", nameof(batch));
        }

        public static void Length(int actual, long expected, string name)
        {
            if (actual != expected) throw new ArgumentException($"'{name}' must hold {expected} floats for this shape, got {actual}.", name);
        }

        public static void AtLeast(int actual, long expected, string name)
        {
            if (actual < expected) throw new ArgumentException($"'{name}' must hold at least {expected} elements for this shape, got {actual}.", name);
        }

        public static void Positive(int value, string name)
        {
            if (value < 1) throw new ArgumentException($"'{name}' must be at least 1, got {value}.", name);
        }

        public static void Labels(ReadOnlySpan<int> labels, int classes)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    throw new ArgumentException($"Label {labels[i]} at index {i} is out of range: expected 0 to {classes - 1}.", nameof(labels));
                }
            }
        }
    }
}
