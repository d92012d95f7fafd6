using System;

namespace CnnGen.Metrics
{
    /// <summary>Argument checks shared by the metrics; every message names the offending index.</summary>
    internal static class MetricGuard
    {
        public static void Classes(int classes)
        {
            if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The number of classes must be at least 1.");
        }

        public static void SameLength(int a, int b, string nameA, string nameB)
        {
            if (a != b) throw new ArgumentException($"'{nameA}' holds {a} values but '{nameB}' holds {b}; they must be the same length.", nameB);
        }

        public static void LogitsShape(int logitsLength, int batch, int classes, string name)
        {
            if ((long)batch * classes != logitsLength)
            {
                throw new ArgumentException($"'{name}' must hold batch x classes = {batch} x {classes} = {(long)batch * classes} floats, got {logitsLength}.", name);
            }
        }

        public static void ClassIndices(ReadOnlySpan<int> values, int classes, string name)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if ((uint)values[i] >= (uint)classes)
                {
                    throw new ArgumentException($"'{name}'[{i}] = {values[i]} is out of range: expected 0 to {classes - 1}.", name);
                }
            }
        }

        public static void Finite(ReadOnlySpan<float> values, string name)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new ArgumentException($"'{name}'[{i}] is {values[i]}; values must be finite.", name);
                }
            }
        }

        public static void NotNaN(ReadOnlySpan<float> values, string name)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (float.IsNaN(values[i]))
                {
                    throw new ArgumentException($"'{name}'[{i}] is NaN.", name);
                }
            }
        }

        public static double Ratio(long numerator, long denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;
    }
}
