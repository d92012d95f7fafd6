using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>Index of the largest value; ties go to the first index, as numpy's argmax does.</summary>
    public static class ArgMax
    {
        /// <summary>Index of the largest value of <paramref name="values"/> (which must not be empty).</summary>
        public static int Of(ReadOnlySpan<float> values)
        {
            if (values.IsEmpty) throw new ArgumentException("Cannot take the arg-max of an empty span.", nameof(values));
            return TensorPrimitives.IndexOfMax(values);
        }

        /// <summary>The arg-max of each row of <paramref name="values"/> (rows of <paramref name="columns"/>) into <paramref name="result"/>.</summary>
        public static void Rows(ReadOnlySpan<float> values, int columns, Span<int> result)
        {
            Guard.Positive(columns, nameof(columns));
            Guard.Length(values.Length, (long)result.Length * columns, nameof(values));
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = TensorPrimitives.IndexOfMax(values.Slice(i * columns, columns));
            }
        }
    }
}
