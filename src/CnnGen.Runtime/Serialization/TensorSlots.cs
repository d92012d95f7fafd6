using System;
using System.Collections.Generic;
using System.IO;

namespace CnnGen.Serialization
{
    /// <summary>One parameter or state buffer of a network, as the file formats see it.</summary>
    internal readonly record struct TensorSlot(string Name, int[] Shape, float[] Values, bool IsState)
    {
        public string ShapeText => ShapeToText(Shape);

        public static string ShapeToText(ReadOnlySpan<int> shape) => shape.Length switch
        {
            0 => "()",
            1 => "(" + shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture) + ",)",
            _ => "(" + string.Join(", ", shape.ToArray()) + ")",
        };
    }

    /// <summary>Helpers shared by the loaders and savers.</summary>
    internal static class TensorSlots
    {
        /// <summary>The parameters then the state buffers of <paramref name="net"/>; names must be unique.</summary>
        public static List<TensorSlot> Collect(INetwork net)
        {
            ArgumentNullException.ThrowIfNull(net);
            var slots = new List<TensorSlot>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (Parameter p in net.Parameters)
            {
                if (!names.Add(p.Name)) throw new InvalidOperationException($"Network '{net.Name}' has two tensors named '{p.Name}'.");
                slots.Add(new TensorSlot(p.Name, ToArray(p.Shape), p.Values, IsState: false));
            }

            foreach (StateBuffer s in net.States)
            {
                if (!names.Add(s.Name)) throw new InvalidOperationException($"Network '{net.Name}' has two tensors named '{s.Name}'.");
                slots.Add(new TensorSlot(s.Name, ToArray(s.Shape), s.Values, IsState: true));
            }

            return slots;
        }

        public static int[] ToArray(IReadOnlyList<int> shape)
        {
            var a = new int[shape.Count];
            for (int i = 0; i < a.Length; i++) a[i] = shape[i];
            return a;
        }

        public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

        /// <summary>Writes through a temporary file in the same folder, then renames it over <paramref name="path"/>;
        /// on failure the temporary file is removed and <paramref name="path"/> is untouched.</summary>
        public static void WriteAtomically(string path, Action<Stream> write, Func<Stream, Stream>? wrap = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            string full = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(full) ?? ".";
            string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    Stream target = wrap is null ? file : wrap(file);
                    write(target);
                    target.Flush();
                    file.Flush(flushToDisk: true);
                }

                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        /// <summary>Reads the rest of <paramref name="stream"/> into an array.</summary>
        public static byte[] ReadAll(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (stream.CanSeek)
            {
                long remaining = stream.Length - stream.Position;
                if (remaining > Array.MaxLength) throw new InvalidDataException($"The file is too large ({remaining} bytes).");
                var bytes = new byte[remaining];
                int n = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
                return n == bytes.Length ? bytes : bytes.AsSpan(0, n).ToArray();
            }

            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            return ms.ToArray();
        }
    }
}
