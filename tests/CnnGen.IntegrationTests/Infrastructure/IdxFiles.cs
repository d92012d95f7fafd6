using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnGen.IntegrationTests.Infrastructure
{
    /// <summary>
    /// A minimal reader of the IDX files of MNIST and Fashion-MNIST (optionally gzip-compressed, by the <c>.gz</c> suffix), for the
    /// tests that train on real data: images become floats in [0, 1] (NCHW with one channel), labels become ints.
    /// </summary>
    internal static class IdxFiles
    {
        /// <summary>Reads at most <paramref name="max"/> images; returns the pixels scaled to [0, 1], the count, rows and columns.</summary>
        public static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(string path, int max)
        {
            using Stream stream = Open(path);
            Span<byte> header = stackalloc byte[16];
            stream.ReadExactly(header);
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != 0x00000803) throw new InvalidDataException($"{path}: magic {magic:X8} is not an IDX image file (00000803).");
            int count = Math.Min(max, BinaryPrimitives.ReadInt32BigEndian(header[4..]));
            int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
            int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
            byte[] bytes = new byte[count * rows * columns];
            stream.ReadExactly(bytes);
            float[] pixels = new float[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i] / 255f;
            return (pixels, count, rows, columns);
        }

        /// <summary>Reads at most <paramref name="max"/> labels.</summary>
        public static int[] ReadLabels(string path, int max)
        {
            using Stream stream = Open(path);
            Span<byte> header = stackalloc byte[8];
            stream.ReadExactly(header);
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != 0x00000801) throw new InvalidDataException($"{path}: magic {magic:X8} is not an IDX label file (00000801).");
            int count = Math.Min(max, BinaryPrimitives.ReadInt32BigEndian(header[4..]));
            byte[] bytes = new byte[count];
            stream.ReadExactly(bytes);
            return Array.ConvertAll(bytes, b => (int)b);
        }

        /// <summary>The file <paramref name="name"/> in <paramref name="folder"/>, with or without <c>.gz</c>, or null.</summary>
        public static string? Find(string folder, string name)
        {
            foreach (string candidate in new[] { name, name + ".gz" })
            {
                string path = Path.Combine(folder, candidate);
                if (File.Exists(path)) return path;
            }

            return null;
        }

        private static Stream Open(string path)
        {
            Stream file = File.OpenRead(path);
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
        }
    }
}
