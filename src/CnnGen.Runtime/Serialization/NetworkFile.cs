using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace CnnGen.Serialization
{
    /// <summary>
    /// CnnGen's own binary format for a network's parameters and state buffers (file extension <c>.cnng</c> by convention).
    /// </summary>
    /// <remarks>
    /// Layout, all numbers little-endian:
    /// <list type="number">
    /// <item>8 bytes magic <c>"CNNGEN\r\n"</c>;</item>
    /// <item>uint32 format version (<see cref="FormatVersion"/>);</item>
    /// <item>uint64 length of the body that follows;</item>
    /// <item>body: the network name (int32 byte count + UTF-8), uint64 <see cref="INetwork.SpecFingerprint"/>,
    /// int32 tensor count, then for each parameter (in order) and state buffer: byte kind (0 parameter, 1 state),
    /// name, int32 rank, int32 dimensions, float32 values (row-major);</item>
    /// <item>uint32 CRC-32 of everything before it.</item>
    /// </list>
    /// Loading checks magic, version, length, checksum, name, fingerprint and every tensor's name and shape before
    /// it writes a single value into the network, so a failed load leaves the network as it was.
    /// </remarks>
    public static class NetworkFile
    {
        /// <summary>The format version this library writes and reads.</summary>
        public const uint FormatVersion = 1;

        /// <summary>The file's first 8 bytes, <c>"CNNGEN\r\n"</c>.</summary>
        public static ReadOnlySpan<byte> Magic => "CNNGEN\r\n"u8;

        private const int HeaderLength = 8 + 4 + 8;

        /// <summary>Saves <paramref name="net"/>'s parameters and states to <paramref name="path"/> atomically: through a
        /// temporary file in the same folder renamed over the target, so a failed save leaves any old file intact.</summary>
        public static void Save(INetwork net, string path) => Save(net, path, wrap: null);

        /// <summary>As <see cref="Save(INetwork, string)"/>, writing through <paramref name="wrap"/> (tests inject failures here).</summary>
        internal static void Save(INetwork net, string path, Func<Stream, Stream>? wrap)
        {
            ArgumentNullException.ThrowIfNull(net);
            TensorSlots.WriteAtomically(path, s => Save(net, s), wrap);
        }

        /// <summary>Writes <paramref name="net"/>'s parameters and states to <paramref name="stream"/>.</summary>
        public static void Save(INetwork net, Stream stream)
        {
            ArgumentNullException.ThrowIfNull(net);
            ArgumentNullException.ThrowIfNull(stream);
            List<TensorSlot> slots = TensorSlots.Collect(net);
            byte[] name = Encoding.UTF8.GetBytes(net.Name);

            long body = 4 + name.Length + 8 + 4;
            foreach (TensorSlot t in slots)
            {
                body += 1 + 4 + Encoding.UTF8.GetByteCount(t.Name) + 4 + 4L * t.Shape.Length + 4L * t.Values.Length;
            }

            var crc = new Crc32();
            var w = new ChecksummedWriter(stream, crc);
            w.Write(Magic);
            w.WriteUInt32(FormatVersion);
            w.WriteUInt64((ulong)body);
            w.WriteInt32(name.Length);
            w.Write(name);
            w.WriteUInt64(net.SpecFingerprint);
            w.WriteInt32(slots.Count);
            foreach (TensorSlot t in slots)
            {
                w.Write(t.IsState ? (byte)1 : (byte)0);
                byte[] tn = Encoding.UTF8.GetBytes(t.Name);
                w.WriteInt32(tn.Length);
                w.Write(tn);
                w.WriteInt32(t.Shape.Length);
                foreach (int d in t.Shape) w.WriteInt32(d);
                w.WriteFloats(t.Values);
            }

            Span<byte> tail = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(tail, crc.GetCurrentHashAsUInt32());
            stream.Write(tail);
            stream.Flush();
        }

        /// <summary>Loads the parameters and states saved in <paramref name="path"/> into <paramref name="net"/>.</summary>
        /// <exception cref="InvalidDataException">The file is not a CnnGen network file, has another version, is truncated or
        /// corrupt, or was saved from another network (name, fingerprint, tensor names or shapes differ).</exception>
        public static void Load(INetwork net, string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Load(net, stream, path);
        }

        /// <summary>Loads parameters and states from <paramref name="stream"/> (read to its end) into <paramref name="net"/>.</summary>
        /// <exception cref="InvalidDataException">See <see cref="Load(INetwork, string)"/>.</exception>
        public static void Load(INetwork net, Stream stream) => Load(net, stream, "stream");

        private static void Load(INetwork net, Stream stream, string source)
        {
            ArgumentNullException.ThrowIfNull(net);
            byte[] data = TensorSlots.ReadAll(stream);
            List<TensorSlot> slots = TensorSlots.Collect(net);
            var r = new SpanReader(data, source);

            if (data.Length < Magic.Length || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                int n = Math.Min(8, data.Length);
                throw Bad(source, $"not a CnnGen network file: expected magic bytes {Convert.ToHexString(Magic)} (\"CNNGEN\\r\\n\"), found {(n == 0 ? "an empty file" : Convert.ToHexString(data, 0, n))}");
            }

            if (data.Length < HeaderLength) throw Bad(source, $"truncated header: expected {HeaderLength} bytes, found {data.Length}");
            r.Position = Magic.Length;
            uint version = r.ReadUInt32();
            if (version != FormatVersion)
            {
                throw Bad(source, $"format version {version} is not supported: this library reads version {FormatVersion}");
            }

            ulong body = r.ReadUInt64();
            ulong expectedLength = HeaderLength + body + 4;
            if ((ulong)data.Length != expectedLength)
            {
                throw Bad(source, (ulong)data.Length < expectedLength
                    ? $"truncated: the header announces {expectedLength} bytes, the file has {data.Length}"
                    : $"{(ulong)data.Length - expectedLength} unexpected bytes after the {expectedLength} bytes the header announces");
            }

            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4));
            uint computed = Crc32.HashToUInt32(data.AsSpan(0, data.Length - 4));
            if (stored != computed)
            {
                throw Bad(source, $"checksum mismatch: stored CRC-32 0x{stored:X8}, computed 0x{computed:X8}; the file is corrupt");
            }

            r.Limit = data.Length - 4;
            string name = r.ReadString("network name");
            if (name != net.Name)
            {
                throw Bad(source, $"saved from network '{name}', cannot be loaded into network '{net.Name}'");
            }

            ulong fingerprint = r.ReadUInt64();
            if (fingerprint != net.SpecFingerprint)
            {
                throw Bad(source, $"saved from a '{name}' with spec fingerprint 0x{fingerprint:X16}, but this '{net.Name}' has 0x{net.SpecFingerprint:X16}: the layer declarations differ");
            }

            int count = r.ReadInt32();
            if (count != slots.Count)
            {
                throw Bad(source, $"holds {count} tensors, network '{net.Name}' has {slots.Count}");
            }

            var offsets = new int[slots.Count];
            for (int i = 0; i < slots.Count; i++)
            {
                TensorSlot expected = slots[i];
                byte kind = r.ReadByte();
                string tensorName = r.ReadString("tensor name");
                if (tensorName != expected.Name || kind != (expected.IsState ? 1 : 0))
                {
                    throw Bad(source, $"tensor {i} is {(kind == 1 ? "state" : "parameter")} '{tensorName}', network '{net.Name}' expects {(expected.IsState ? "state" : "parameter")} '{expected.Name}'");
                }

                int rank = r.ReadInt32();
                if (rank < 0 || rank > 32) throw Bad(source, $"tensor '{tensorName}' has an impossible rank {rank}");
                var shape = new int[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.ReadInt32();
                if (!TensorSlots.SameShape(shape, expected.Shape))
                {
                    throw Bad(source, $"tensor '{tensorName}' has shape {TensorSlot.ShapeToText(shape)}, network '{net.Name}' expects {expected.ShapeText}");
                }

                offsets[i] = r.Position;
                r.Skip(4L * expected.Values.Length, tensorName);
            }

            if (r.Position != r.Limit) throw Bad(source, $"{r.Limit - r.Position} unexpected bytes after the last tensor");

            // Everything checked: now, and only now, write into the network.
            for (int i = 0; i < slots.Count; i++)
            {
                ReadFloats(data.AsSpan(offsets[i], 4 * slots[i].Values.Length), slots[i].Values);
            }
        }

        internal static void ReadFloats(ReadOnlySpan<byte> source, Span<float> destination)
        {
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            }
            else
            {
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i));
            }
        }

        private static InvalidDataException Bad(string source, string message) => new InvalidDataException($"CnnGen network file '{source}': {message}.");

        private sealed class ChecksummedWriter
        {
            private readonly Stream _stream;
            private readonly Crc32 _crc;
            private readonly byte[] _buffer = new byte[1 << 16];

            public ChecksummedWriter(Stream stream, Crc32 crc)
            {
                _stream = stream;
                _crc = crc;
            }

            public void Write(ReadOnlySpan<byte> bytes)
            {
                _crc.Append(bytes);
                _stream.Write(bytes);
            }

            public void Write(byte b) => Write(new ReadOnlySpan<byte>(in b));

            public void WriteInt32(int v)
            {
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, v);
                Write(b);
            }

            public void WriteUInt32(uint v)
            {
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(b, v);
                Write(b);
            }

            public void WriteUInt64(ulong v)
            {
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(b, v);
                Write(b);
            }

            public void WriteFloats(ReadOnlySpan<float> values)
            {
                if (BitConverter.IsLittleEndian)
                {
                    Write(MemoryMarshal.AsBytes(values));
                    return;
                }

                int per = _buffer.Length / 4;
                for (int start = 0; start < values.Length; start += per)
                {
                    int n = Math.Min(per, values.Length - start);
                    for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(4 * i), values[start + i]);
                    Write(_buffer.AsSpan(0, 4 * n));
                }
            }
        }

        private ref struct SpanReader
        {
            private readonly ReadOnlySpan<byte> _data;
            private readonly string _source;

            public SpanReader(ReadOnlySpan<byte> data, string source)
            {
                _data = data;
                _source = source;
                Position = 0;
                Limit = data.Length;
            }

            public int Position;
            public int Limit;

            private ReadOnlySpan<byte> Take(int n, string what)
            {
                if (n < 0 || Position > Limit - n)
                {
                    throw Bad(_source, $"truncated while reading {what} at byte {Position}: need {n} bytes, {Limit - Position} left");
                }

                ReadOnlySpan<byte> s = _data.Slice(Position, n);
                Position += n;
                return s;
            }

            public byte ReadByte() => Take(1, "a tensor kind")[0];

            public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "an int32"));

            public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a uint32"));

            public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "a uint64"));

            public string ReadString(string what)
            {
                int n = ReadInt32();
                if (n < 0 || n > 4096) throw Bad(_source, $"the {what} has an impossible length {n}");
                return Encoding.UTF8.GetString(Take(n, "the " + what));
            }

            public void Skip(long n, string tensor)
            {
                if (n > Limit - Position)
                {
                    throw Bad(_source, $"truncated in the values of '{tensor}': need {n} bytes, {Limit - Position} left");
                }

                Position += (int)n;
            }
        }
    }
}
