using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnGen.Runtime.Tests.Data;

/// <summary>Writes small IDX files for tests.</summary>
internal static class IdxTestFiles
{
    public static byte[] ImageBytes(int count, int rows, int cols, int magic = 2051, int? announcedCount = null, int dropBytes = 0)
    {
        var b = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), announcedCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        uint x = 12345;
        for (int i = 0; i < count * rows * cols; i++) { x = x * 1664525u + 1013904223u; b[16 + i] = (byte)(x >> 24); }
        return b.AsSpan(0, b.Length - dropBytes).ToArray();
    }

    public static byte[] LabelBytes(int count, int magic = 2049, int? announcedCount = null, int dropBytes = 0)
    {
        var b = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), announcedCount ?? count);
        for (int i = 0; i < count; i++) b[8 + i] = (byte)(i % 10);
        return b.AsSpan(0, b.Length - dropBytes).ToArray();
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Writes a complete MNIST-style folder with the given train and test counts.</summary>
    public static void WriteFolder(string dir, int train, int test, bool gzip, int rows = 4, int cols = 3)
    {
        Directory.CreateDirectory(dir);
        void Write(string name, byte[] raw) => File.WriteAllBytes(Path.Combine(dir, gzip ? name + ".gz" : name), gzip ? Gzip(raw) : raw);
        Write("train-images-idx3-ubyte", ImageBytes(train, rows, cols));
        Write("train-labels-idx1-ubyte", LabelBytes(train));
        Write("t10k-images-idx3-ubyte", ImageBytes(test, rows, cols));
        Write("t10k-labels-idx1-ubyte", LabelBytes(test));
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnngen-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
