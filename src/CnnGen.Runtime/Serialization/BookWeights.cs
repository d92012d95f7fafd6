using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;

namespace CnnGen.Serialization
{
    /// <summary>
    /// Loads a raw weights folder as in the mnist-book oracle: a <c>manifest.json</c> listing arrays
    /// (<c>arrays[i].name</c>, <c>shape</c>, and <c>f32</c> / <c>f64</c> entries with <c>file</c>, <c>bytes</c>,
    /// <c>sha256</c>) and one headerless little-endian C-order file per array.
    /// </summary>
    public static class BookWeights
    {
        /// <summary>
        /// Loads the arrays named like <paramref name="net"/>'s parameters (<c>W1, b1, ...</c>) and states from
        /// <paramref name="directory"/>, reading the float32 files (or the float64 ones when <paramref name="preferFloat64"/>
        /// is set or no float32 file is listed). Shapes, sizes and, when listed, SHA-256 checksums are checked for all
        /// arrays before anything is written into the network.
        /// </summary>
        /// <exception cref="InvalidDataException">A missing array (all listed), a shape mismatch, a file of the wrong size,
        /// a checksum mismatch or a malformed manifest.</exception>
        public static void Load(INetwork net, string directory, bool preferFloat64 = false)
        {
            ArgumentNullException.ThrowIfNull(net);
            ArgumentNullException.ThrowIfNull(directory);
            string manifestPath = Path.Combine(directory, "manifest.json");
            if (!File.Exists(manifestPath)) throw new FileNotFoundException($"No manifest.json in weights folder '{directory}'.", manifestPath);
            List<TensorSlot> slots = TensorSlots.Collect(net);
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (TensorSlot t in slots) wanted.Add(t.Name);

            var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            var present = new List<string>();
            try
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
                if (!doc.RootElement.TryGetProperty("arrays", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(manifestPath, "no 'arrays' list");
                }

                foreach (JsonElement item in list.EnumerateArray())
                {
                    string name = item.GetProperty("name").GetString() ?? throw Bad(manifestPath, "an array without a name");
                    present.Add(name);
                    if (!wanted.Contains(name)) continue;
                    var shape = new List<int>();
                    foreach (JsonElement d in item.GetProperty("shape").EnumerateArray()) shape.Add(d.GetInt32());
                    arrays[name] = ReadArray(directory, manifestPath, name, shape.ToArray(), item, preferFloat64);
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw Bad(manifestPath, "malformed manifest (" + e.Message + ")");
            }

            Npz.Assign(net, slots, arrays, present, $"weights folder '{directory}'");
        }

        private static NpyArray ReadArray(string directory, string manifestPath, string name, int[] shape, JsonElement item, bool preferFloat64)
        {
            bool hasF32 = item.TryGetProperty("f32", out JsonElement f32);
            bool hasF64 = item.TryGetProperty("f64", out JsonElement f64);
            if (!hasF32 && !hasF64) throw Bad(manifestPath, $"array '{name}' lists neither an 'f32' nor an 'f64' file");
            bool use64 = hasF64 && (preferFloat64 || !hasF32);
            JsonElement entry = use64 ? f64 : f32;
            int itemSize = use64 ? 8 : 4;
            string file = Path.Combine(directory, entry.GetProperty("file").GetString() ?? throw Bad(manifestPath, $"array '{name}' has no file name"));

            long count = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw Bad(manifestPath, $"array '{name}' has a negative dimension");
                count *= d;
            }

            if (!File.Exists(file)) throw new FileNotFoundException($"Weights file '{file}' for array '{name}' is missing.", file);
            byte[] bytes = File.ReadAllBytes(file);
            if (bytes.LongLength != count * itemSize)
            {
                throw Bad(file, $"array '{name}' of shape {TensorSlot.ShapeToText(shape)} needs {count * itemSize} bytes, the file has {bytes.Length}");
            }

            if (entry.TryGetProperty("sha256", out JsonElement sha) && sha.GetString() is string expected)
            {
                string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                {
                    throw Bad(file, $"checksum mismatch for array '{name}': expected SHA-256 {expected}, got {actual}");
                }
            }

            var data = new float[count];
            if (use64)
            {
                for (int i = 0; i < data.Length; i++) data[i] = (float)System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * i));
            }
            else
            {
                NetworkFile.ReadFloats(bytes, data);
            }

            return new NpyArray(shape, data, use64 ? "<f8" : "<f4");
        }

        private static InvalidDataException Bad(string file, string message) => new InvalidDataException($"Weights '{file}': {message}.");
    }
}
