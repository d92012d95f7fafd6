using System.Globalization;

namespace CnnGen.Generator.Emit
{
    /// <summary>Invariant-culture literals for emitted code.</summary>
    internal static class Format
    {
        public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Grouped(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

        public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

        /// <summary><c>buffer.AsSpan(0, batch * size)</c>: the part of a buffer the current batch uses.</summary>
        public static string Span(string buffer, long perSample) => $"{buffer}.AsSpan(0, batch * {N(perSample)})";
    }
}
