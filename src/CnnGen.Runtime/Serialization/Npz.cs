using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace CnnGen.Serialization
{
    /// <summary>
    /// NumPy <c>.npz</c> archives of a network's parameters (<c>W1, b1, ...</c>, in the notes' layouts) and states
    /// (by their names), as written by <c>np.savez(path, **params)</c>, so weights trained in Python load directly.
    /// </summary>
    public static class Npz
    {
        /// <summary>Saves every parameter and state of <paramref name="net"/> as float32 arrays (atomically, like
        /// <see cref="NetworkFile.Save(INetwork, string)"/>).</summary>
        public static void Save(INetwork net, string path)
        {
            ArgumentNullException.ThrowIfNull(net);
            List<TensorSlot> slots = TensorSlots.Collect(net);
            TensorSlots.WriteAtomically(path, s => Write(s, slots));
        }

        /// <summary>Writes every parameter and state of <paramref name="net"/> to <paramref name="stream"/> as an npz archive.</summary>
        public static void Save(INetwork net, Stream stream)
        {
            ArgumentNullException.ThrowIfNull(net);
            ArgumentNullException.ThrowIfNull(stream);
            Write(stream, TensorSlots.Collect(net));
        }

        private static void Write(Stream stream, List<TensorSlot> slots)
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
            foreach (TensorSlot t in slots)
            {
                ZipArchiveEntry entry = zip.CreateEntry(t.Name + ".npy", CompressionLevel.NoCompression);
                using Stream s = entry.Open();
                NpyWriter.Write(s, t.Values, t.Shape);
            }
        }

        /// <summary>Reads every array of an npz archive, keyed by name without the <c>.npy</c> suffix.</summary>
        public static IReadOnlyDictionary<string, NpyArray> Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(s, path);
        }

        /// <summary>Reads every array of an npz archive from <paramref name="stream"/>.</summary>
        public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream, string sourceName) => Read(stream, sourceName, keys: null, allKeys: null);

        private static Dictionary<string, NpyArray> Read(Stream stream, string source, HashSet<string>? keys, List<string>? allKeys)
        {
            ArgumentNullException.ThrowIfNull(stream);
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"npz '{source}': not a zip archive ({e.Message}).", e);
            }

            using (zip)
            {
                foreach (ZipArchiveEntry entry in zip.Entries)
                {
                    string key = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                    allKeys?.Add(key);
                    if (keys is not null && !keys.Contains(key)) continue;
                    try
                    {
                        using Stream s = entry.Open();
                        result[key] = NpyReader.Read(s, source + ":" + entry.FullName);
                    }
                    catch (InvalidDataException e) when (!e.Message.StartsWith("npy ", StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"npz '{source}': entry '{entry.FullName}' is corrupt ({e.Message}).", e);
                    }
                }
            }

            return result;
        }

        /// <summary>
        /// Loads the parameters and states of <paramref name="net"/> from the npz archive in <paramref name="path"/>.
        /// Every key (<c>W1, b1, ...</c> and the state names) must be present with exactly the network's shape; float64
        /// arrays are converted to float32; other keys are ignored. Nothing is written into the network unless all match.
        /// </summary>
        /// <exception cref="InvalidDataException">Missing keys (all listed), a shape mismatch (key, expected and actual
        /// shape), an unsupported dtype or order, or a corrupt archive.</exception>
        public static void Load(INetwork net, string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Load(net, s, path);
        }

        /// <summary>As <see cref="Load(INetwork, string)"/>, from a stream.</summary>
        public static void Load(INetwork net, Stream stream) => Load(net, stream, "stream");

        private static void Load(INetwork net, Stream stream, string source)
        {
            ArgumentNullException.ThrowIfNull(net);
            List<TensorSlot> slots = TensorSlots.Collect(net);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (TensorSlot t in slots) keys.Add(t.Name);
            var allKeys = new List<string>();
            Dictionary<string, NpyArray> arrays = Read(stream, source, keys, allKeys);
            Assign(net, slots, arrays, allKeys, $"npz '{source}'");
        }

        /// <summary>Checks that <paramref name="arrays"/> holds every slot with its shape, then copies them in.</summary>
        internal static void Assign(INetwork net, List<TensorSlot> slots, IReadOnlyDictionary<string, NpyArray> arrays, IReadOnlyCollection<string> presentKeys, string source)
        {
            var missing = new List<string>();
            var wrong = new List<string>();
            foreach (TensorSlot t in slots)
            {
                if (!arrays.TryGetValue(t.Name, out NpyArray? a))
                {
                    missing.Add(t.Name);
                }
                else if (!TensorSlots.SameShape(a.Shape, t.Shape))
                {
                    wrong.Add($"'{t.Name}' has shape {a.ShapeText}, network '{net.Name}' expects {t.ShapeText}");
                }
            }

            if (missing.Count > 0 || wrong.Count > 0)
            {
                var message = new StringBuilder(source).Append(" does not fit network '").Append(net.Name).Append("':");
                if (missing.Count > 0) message.Append(" missing keys ").Append(string.Join(", ", missing)).Append(';');
                if (wrong.Count > 0) message.Append(' ').Append(string.Join("; ", wrong)).Append(';');
                message.Length--;
                message.Append(". Present keys: ").Append(presentKeys.Count == 0 ? "none" : string.Join(", ", presentKeys)).Append('.');
                throw new InvalidDataException(message.ToString());
            }

            foreach (TensorSlot t in slots)
            {
                arrays[t.Name].Data.AsSpan().CopyTo(t.Values);
            }
        }
    }
}
