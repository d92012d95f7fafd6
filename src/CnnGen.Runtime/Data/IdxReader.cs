using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace CnnGen.Data
{
    /// <summary>Images read from an IDX3 file (magic 2051): <see cref="Count"/> grey images of
    /// <see cref="Rows"/> x <see cref="Columns"/> pixels, scaled to [0, 1].</summary>
    public sealed class IdxImages
    {
        /// <summary>Creates the set from its parts.</summary>
        public IdxImages(int count, int rows, int columns, float[] pixels)
        {
            Count = count;
            Rows = rows;
            Columns = columns;
            Pixels = pixels ?? throw new ArgumentNullException(nameof(pixels));
        }

        /// <summary>Number of images.</summary>
        public int Count { get; }

        /// <summary>Pixel rows per image.</summary>
        public int Rows { get; }

        /// <summary>Pixel columns per image.</summary>
        public int Columns { get; }

        /// <summary>All pixels, image after image, row-major, each <c>byte / 255f</c>.</summary>
        public float[] Pixels { get; }
    }

    /// <summary>
    /// Reads the IDX files of MNIST and Fashion-MNIST, gzip-compressed (detected by the magic bytes
    /// <c>1F 8B</c>) or raw. Every problem (wrong magic number, impossible sizes, truncated or
    /// overlong data) is reported as an <see cref="InvalidDataException"/> naming the file and the
    /// expected and actual values.
    /// </summary>
    public static class IdxReader
    {
        /// <summary>The magic number of an IDX3 image file (<c>0x00000803</c>).</summary>
        public const int ImageMagic = 2051;

        /// <summary>The magic number of an IDX1 label file (<c>0x00000801</c>).</summary>
        public const int LabelMagic = 2049;

        /// <summary>Opens <paramref name="path"/> for reading, decompressing it when it starts with the gzip magic bytes.</summary>
        public static Stream OpenMaybeGzip(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                Span<byte> head = stackalloc byte[2];
                int n = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
                file.Position = 0;
                if (n == 2 && head[0] == 0x1F && head[1] == 0x8B)
                {
                    return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
                }

                return file;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Reads an image file (raw or gzip).</summary>
        public static IdxImages ReadImages(string path)
        {
            using Stream s = OpenMaybeGzip(path);
            return ReadImages(s, path);
        }

        /// <summary>Reads an image file from an already decompressed stream; <paramref name="sourceName"/> names it in error messages.</summary>
        public static IdxImages ReadImages(Stream stream, string sourceName)
        {
            ArgumentNullException.ThrowIfNull(stream);
            Span<byte> header = stackalloc byte[16];
            ReadHeader(stream, header.Slice(0, 4), sourceName, "image", header.Length);
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            CheckMagic(magic, ImageMagic, sourceName, "an IDX3 image file");
            ReadHeader(stream, header.Slice(4), sourceName, "image", header.Length);
            int count = BinaryPrimitives.ReadInt32BigEndian(header.Slice(4));
            int rows = BinaryPrimitives.ReadInt32BigEndian(header.Slice(8));
            int cols = BinaryPrimitives.ReadInt32BigEndian(header.Slice(12));
            if (count < 0) throw Bad(sourceName, $"the image count must be >= 0, found {count}");
            if (rows < 1 || cols < 1) throw Bad(sourceName, $"the image size must be at least 1x1, found {rows}x{cols}");
            long total = (long)count * rows * cols;
            if (total > Array.MaxLength) throw Bad(sourceName, $"{count} images of {rows}x{cols} ({total} pixels) are more than one array can hold");

            var bytes = new byte[total];
            ReadBody(stream, bytes, sourceName, 16, $"{count} images of {rows}x{cols}");
            var pixels = new float[total];
            for (int i = 0; i < bytes.Length; i++)
            {
                pixels[i] = bytes[i] / 255f;
            }

            return new IdxImages(count, rows, cols, pixels);
        }

        /// <summary>Reads a label file (raw or gzip) and returns the labels.</summary>
        public static byte[] ReadLabels(string path)
        {
            using Stream s = OpenMaybeGzip(path);
            return ReadLabels(s, path);
        }

        /// <summary>Reads a label file from an already decompressed stream; <paramref name="sourceName"/> names it in error messages.</summary>
        public static byte[] ReadLabels(Stream stream, string sourceName)
        {
            ArgumentNullException.ThrowIfNull(stream);
            Span<byte> header = stackalloc byte[8];
            ReadHeader(stream, header.Slice(0, 4), sourceName, "label", header.Length);
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            CheckMagic(magic, LabelMagic, sourceName, "an IDX1 label file");
            ReadHeader(stream, header.Slice(4), sourceName, "label", header.Length);
            int count = BinaryPrimitives.ReadInt32BigEndian(header.Slice(4));
            if (count < 0) throw Bad(sourceName, $"the label count must be >= 0, found {count}");
            var labels = new byte[count];
            ReadBody(stream, labels, sourceName, 8, $"{count} labels");
            return labels;
        }

        private static void CheckMagic(int actual, int expected, string source, string what)
        {
            if (actual == expected) return;
            string hint = actual == ImageMagic ? " (an image file)" : actual == LabelMagic ? " (a label file)" : "";
            throw Bad(source, $"expected magic number {expected} (0x{expected:X8}, {what}), found {actual} (0x{actual:X8}){hint}");
        }

        private static void ReadHeader(Stream stream, Span<byte> part, string source, string kind, int headerLength)
        {
            int n = ReadFully(stream, part, source);
            if (n < part.Length)
            {
                int found = (part.Length == 4 ? 0 : 4) + n;
                throw Bad(source, $"truncated {kind} header: expected {headerLength} bytes, found {found}");
            }
        }

        private static void ReadBody(Stream stream, byte[] body, string source, int headerLength, string what)
        {
            int n = ReadFully(stream, body, source);
            if (n < body.Length)
            {
                throw Bad(source, $"truncated data: the header announces {what} = {body.Length} bytes after the {headerLength}-byte header, but only {n} bytes follow");
            }

            Span<byte> probe = stackalloc byte[256];
            long extra = 0;
            int m;
            while ((m = ReadFully(stream, probe, source)) > 0) extra += m;
            if (extra > 0)
            {
                throw Bad(source, $"{extra} unexpected bytes after the {what} ({body.Length} bytes) the header announces");
            }
        }

        private static int ReadFully(Stream stream, Span<byte> buffer, string source)
        {
            try
            {
                return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e)
            {
                throw Bad(source, "the gzip data is corrupt or truncated (" + e.Message + ")", e);
            }
        }

        private static InvalidDataException Bad(string source, string message, Exception? inner = null)
            => new InvalidDataException($"IDX file '{source}': {message}.", inner);
    }
}
