using System.Globalization;

namespace CnnGen.Generator.Emit
{
    /// <summary>Invariant-culture literals for emitted code.</summary>
    internal static class Format
    {
        public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Grouped(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

        /// <summary>A size in bytes for a comment, in decimal units: "1.7 MB", "192 KB", "640 bytes".</summary>
        public static string Bytes(long bytes) => bytes >= 1_000_000
            ? (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
            : bytes >= 1000 ? (bytes / 1000).ToString(CultureInfo.InvariantCulture) + " KB"
            : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";

        public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

        /// <summary><c>buffer.AsSpan(0, batch * size)</c>: the part of a buffer the current batch uses.</summary>
        public static string Span(string buffer, long perSample) => $"{buffer}.AsSpan(0, batch * {N(perSample)})";
    }
}
