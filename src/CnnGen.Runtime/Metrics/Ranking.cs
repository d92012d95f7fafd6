using System;

namespace CnnGen.Metrics
{
    /// <summary>Orders scores from highest to lowest; equal scores keep their input order.</summary>
    internal static class Ranking
    {
        public static int[] ByConfidenceDescending(ReadOnlySpan<float> confidences)
        {
            var order = new int[confidences.Length];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            float[] keys = confidences.ToArray();
            Array.Sort(order, (a, b) =>
            {
                float ka = keys[a], kb = keys[b];
                if (ka > kb) return -1;
                if (ka < kb) return 1;
                return a.CompareTo(b);
            });
            return order;
        }
    }
}
