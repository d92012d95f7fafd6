using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace CnnGen.Serialization
{
    /// <summary>One array read from a <c>.npy</c> file, converted to float32.</summary>
    public sealed class NpyArray
    {
        /// <summary>Creates the array.</summary>
        public NpyArray(int[] shape, float[] data, string sourceDType)
        {
            Shape = shape ?? throw new ArgumentNullException(nameof(shape));
            Data = data ?? throw new ArgumentNullException(nameof(data));
            SourceDType = sourceDType ?? throw new ArgumentNullException(nameof(sourceDType));
        }

        /// <summary>The dimensions, outermost first (empty for a scalar).</summary>
        public int[] Shape { get; }

        /// <summary>The values in C (row-major) order, as float32.</summary>
        public float[] Data { get; }

        /// <summary>The dtype stored in the file: <c>&lt;f4</c> or <c>&lt;f8</c>.</summary>
        public string SourceDType { get; }

        /// <summary>The shape as numpy prints it, e.g. <c>(30, 1, 5, 5)</c>.</summary>
        public string ShapeText => TensorSlot.ShapeToText(Shape);
    }

    /// <summary>
    /// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0) holding little-endian float32 (<c>&lt;f4</c>)
    /// or float64 (<c>&lt;f8</c>) arrays in C order; float64 is converted to float32.
    /// </summary>
    public static class NpyReader
    {
        /// <summary>The magic string that starts every <c>.npy</c> file.</summary>
        public static ReadOnlySpan<byte> Magic => new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        /// <summary>Reads the array in <paramref name="path"/>.</summary>
        public static NpyArray Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(s, path);
        }

        /// <summary>Reads one array from <paramref name="stream"/>; <paramref name="sourceName"/> names it in error messages.</summary>
        /// <exception cref="InvalidDataException">Not an npy file, an unsupported dtype or Fortran order, or truncated data.</exception>
        public static NpyArray Read(Stream stream, string sourceName)
        {
            ArgumentNullException.ThrowIfNull(stream);
            Span<byte> pre = stackalloc byte[10];
            ReadExactly(stream, pre, sourceName, "the header");
            if (!pre.Slice(0, 6).SequenceEqual(Magic))
            {
                throw Bad(sourceName, $"not an npy file: expected magic bytes 934E554D5059 (\"\\x93NUMPY\"), found {Convert.ToHexString(pre.Slice(0, 6))}");
            }

            byte major = pre[6], minor = pre[7];
            int headerLength;
            if (major == 1)
            {
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre.Slice(8));
            }
            else if (major is 2 or 3)
            {
                Span<byte> more = stackalloc byte[2];
                ReadExactly(stream, more, sourceName, "the header");
                uint len = (uint)(pre[8] | pre[9] << 8 | more[0] << 16 | more[1] << 24);
                if (len > 1 << 20) throw Bad(sourceName, $"the header length {len} is implausible");
                headerLength = (int)len;
            }
            else
            {
                throw Bad(sourceName, $"npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)");
            }

            var headerBytes = new byte[headerLength];
            ReadExactly(stream, headerBytes, sourceName, "the header");
            string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
            (string descr, bool fortran, int[] shape) = ParseHeader(header, sourceName);

            if (fortran)
            {
                throw Bad(sourceName, "the array is stored in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray) instead");
            }

            int itemSize = descr switch
            {
                "<f4" => 4,
                "<f8" => 8,
                _ => throw Bad(sourceName, $"unsupported dtype '{descr}': only little-endian float32 '<f4' and float64 '<f8' are read"),
            };

            long count = 1;
            foreach (int d in shape) count *= d;
            if (count > Array.MaxLength) throw Bad(sourceName, $"the shape {TensorSlot.ShapeToText(shape)} holds more values than one array can");
            var raw = new byte[count * itemSize];
            int n = stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (n < raw.Length)
            {
                throw Bad(sourceName, $"truncated data: shape {TensorSlot.ShapeToText(shape)} of {descr} needs {raw.Length} bytes, found {n}");
            }

            var data = new float[count];
            if (itemSize == 4)
            {
                NetworkFile.ReadFloats(raw, data);
            }
            else
            {
                for (int i = 0; i < data.Length; i++) data[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i));
            }

            return new NpyArray(shape, data, descr);
        }

        /// <summary>Parses a header dictionary such as <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>.</summary>
        internal static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string source)
        {
            string descr = ValueAfter(header, "descr", source);
            if (descr.Length < 2 || (descr[0] != '\'' && descr[0] != '"'))
            {
                throw Bad(source, $"the header's 'descr' is not a simple dtype string (structured arrays are not supported): {header.Trim()}");
            }

            int close = descr.IndexOf(descr[0], 1);
            if (close < 0) throw Bad(source, $"cannot parse 'descr' in the header {header.Trim()}");
            string dtype = descr.Substring(1, close - 1);

            string fortranText = ValueAfter(header, "fortran_order", source);
            bool fortran;
            if (fortranText.StartsWith("False", StringComparison.Ordinal)) fortran = false;
            else if (fortranText.StartsWith("True", StringComparison.Ordinal)) fortran = true;
            else throw Bad(source, $"cannot parse 'fortran_order' in the header {header.Trim()}");

            string shapeText = ValueAfter(header, "shape", source);
            int end = shapeText.IndexOf(')');
            if (!shapeText.StartsWith('(') || end < 0) throw Bad(source, $"cannot parse 'shape' in the header {header.Trim()}");
            var dims = new List<int>();
            foreach (string part in shapeText.Substring(1, end - 1).Split(','))
            {
                string p = part.Trim().TrimEnd('L');
                if (p.Length == 0) continue;
                if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                {
                    throw Bad(source, $"cannot parse dimension '{part.Trim()}' of 'shape' in the header {header.Trim()}");
                }

                dims.Add(d);
            }

            return (dtype, fortran, dims.ToArray());
        }

        private static string ValueAfter(string header, string key, string source)
        {
            int k = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
            if (k < 0) k = header.IndexOf("\"" + key + "\"", StringComparison.Ordinal);
            if (k < 0) throw Bad(source, $"the header has no '{key}': {header.Trim()}");
            int colon = header.IndexOf(':', k + key.Length + 2);
            if (colon < 0) throw Bad(source, $"the header has no value for '{key}': {header.Trim()}");
            return header.Substring(colon + 1).TrimStart();
        }

        private static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
        {
            int n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (n < buffer.Length) throw Bad(source, $"truncated while reading {what}: need {buffer.Length} bytes, found {n}");
        }

        internal static InvalidDataException Bad(string source, string message) => new InvalidDataException($"npy '{source}': {message}.");
    }

    /// <summary>Writes NumPy <c>.npy</c> files (format 1.0, little-endian float32 <c>&lt;f4</c>, C order).</summary>
    public static class NpyWriter
    {
        /// <summary>Writes <paramref name="data"/> with <paramref name="shape"/> to <paramref name="path"/>.</summary>
        public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var s = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            Write(s, data, shape);
        }

        /// <summary>Writes <paramref name="data"/> with <paramref name="shape"/> to <paramref name="stream"/>.</summary>
        public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
        {
            ArgumentNullException.ThrowIfNull(stream);
            long count = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw new ArgumentException($"Dimensions must be >= 0, got {TensorSlot.ShapeToText(shape)}.", nameof(shape));
                count *= d;
            }

            if (count != data.Length) throw new ArgumentException($"Shape {TensorSlot.ShapeToText(shape)} holds {count} values, got {data.Length}.", nameof(data));

            var dims = new StringBuilder();
            foreach (int d in shape) dims.Append(d.ToString(CultureInfo.InvariantCulture)).Append(", ");
            string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + dims.ToString().TrimEnd(' ', ',') + ")";
            string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
            // Pad with spaces so that magic + version + length + header (ending in '\n') is a multiple of 64.
            int total = 10 + dict.Length + 1;
            int padded = (total + 63) / 64 * 64;
            string header = dict + new string(' ', padded - total) + "\n";
            if (header.Length > ushort.MaxValue) throw new ArgumentException("The shape is too long for an npy 1.0 header.", nameof(shape));

            Span<byte> pre = stackalloc byte[10];
            NpyReader.Magic.CopyTo(pre);
            pre[6] = 1;
            pre[7] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(pre.Slice(8), (ushort)header.Length);
            stream.Write(pre);
            stream.Write(Encoding.ASCII.GetBytes(header));
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(data));
            }
            else
            {
                var b = new byte[4];
                foreach (float v in data)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(b, v);
                    stream.Write(b);
                }
            }
        }
    }
}
