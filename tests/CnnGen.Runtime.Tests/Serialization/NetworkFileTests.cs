using System.Buffers.Binary;
using CnnGen.Runtime.Tests.Data;
using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Serialization;

namespace CnnGen.Runtime.Tests.Serialization;

public class NetworkFileTests
{
    private static byte[] Saved(FakeNetwork net)
    {
        using var ms = new MemoryStream();
        NetworkFile.Save(net, ms);
        return ms.ToArray();
    }

    private static InvalidDataException LoadFails(FakeNetwork target, byte[] bytes)
    {
        float[] before = target.Snapshot();
        var e = Assert.Throws<InvalidDataException>(() => NetworkFile.Load(target, new MemoryStream(bytes)));
        Assert.Equal(before, target.Snapshot()); // untouched
        return e;
    }

    [Fact]
    public void RoundTrip_File()
    {
        using var dir = new TempDir();
        var a = new FakeNetwork().Fill(1);
        NetworkFile.Save(a, dir.File("net.cnng"));
        var b = new FakeNetwork();
        NetworkFile.Load(b, dir.File("net.cnng"));
        Assert.Equal(a.Snapshot(), b.Snapshot());
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void RoundTrip_Stream_StartsWithMagicAndVersion()
    {
        var a = new FakeNetwork().Fill(2);
        byte[] bytes = Saved(a);
        Assert.Equal("CNNGEN\r\n"u8.ToArray(), bytes.AsSpan(0, 8).ToArray());
        Assert.Equal(NetworkFile.FormatVersion, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        var b = new FakeNetwork();
        NetworkFile.Load(b, new MemoryStream(bytes));
        Assert.Equal(a.Snapshot(), b.Snapshot());
    }

    [Fact]
    public void OtherNetworkName_IsRejected()
    {
        byte[] bytes = Saved(new FakeNetwork("OtherNet").Fill(3));
        var e = LoadFails(new FakeNetwork().Fill(4), bytes);
        Assert.Contains("'OtherNet'", e.Message);
        Assert.Contains("'FakeNet'", e.Message);
    }

    [Fact]
    public void OtherFingerprint_IsRejected()
    {
        byte[] bytes = Saved(new FakeNetwork(fingerprint: 0xAAUL).Fill(3));
        var e = LoadFails(new FakeNetwork(fingerprint: 0xBBUL).Fill(4), bytes);
        Assert.Contains("0x00000000000000AA", e.Message);
        Assert.Contains("0x00000000000000BB", e.Message);
        Assert.Contains("fingerprint", e.Message);
    }

    [Fact]
    public void OtherShape_IsRejected()
    {
        byte[] bytes = Saved(new FakeNetwork(w2Out: 5).Fill(3));
        var e = LoadFails(new FakeNetwork().Fill(4), bytes);
        Assert.Contains("'W2'", e.Message);
        Assert.Contains("(12, 5)", e.Message);
        Assert.Contains("(12, 4)", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(10)]
    [InlineData(3)]
    public void Truncated_IsRejected(int cut)
    {
        byte[] bytes = Saved(new FakeNetwork().Fill(5));
        var e = LoadFails(new FakeNetwork().Fill(6), bytes.AsSpan(0, bytes.Length - cut).ToArray());
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ExtraBytes_AreRejected()
    {
        byte[] bytes = Saved(new FakeNetwork().Fill(5));
        var e = LoadFails(new FakeNetwork(), bytes.Concat(new byte[3]).ToArray());
        Assert.Contains("3 unexpected bytes", e.Message);
    }

    [Fact]
    public void FlippedByte_AnywhereAfterTheHeader_FailsTheChecksum()
    {
        byte[] good = Saved(new FakeNetwork().Fill(7));
        for (int i = 20; i < good.Length; i += 7)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= 0x10;
            var e = LoadFails(new FakeNetwork().Fill(8), bad);
            Assert.Contains("checksum mismatch", e.Message);
        }
    }

    [Fact]
    public void WrongVersion_IsRejected()
    {
        byte[] bytes = Saved(new FakeNetwork().Fill(7));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 99);
        var e = LoadFails(new FakeNetwork(), bytes);
        Assert.Contains("version 99", e.Message);
        Assert.Contains("reads version 1", e.Message);
    }

    [Fact]
    public void WrongMagic_IsRejected()
    {
        byte[] bytes = Saved(new FakeNetwork().Fill(7));
        bytes[0] = (byte)'X';
        var e = LoadFails(new FakeNetwork(), bytes);
        Assert.Contains("not a CnnGen network file", e.Message);
        Assert.Contains("584E4E47454E0D0A", e.Message);
        Assert.Contains("not a CnnGen network file", LoadFails(new FakeNetwork(), Array.Empty<byte>()).Message);
    }

    [Fact]
    public void FileErrors_NameTheFile()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("bad.cnng"), new byte[] { 1, 2, 3 });
        var e = Assert.Throws<InvalidDataException>(() => NetworkFile.Load(new FakeNetwork(), dir.File("bad.cnng")));
        Assert.Contains("bad.cnng", e.Message);
    }

    private sealed class FailingStream : Stream
    {
        private readonly Stream _inner;
        private long _left;

        public FailingStream(Stream inner, long failAfter)
        {
            _inner = inner;
            _left = failAfter;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > _left) throw new IOException("disk full (simulated)");
            _left -= buffer.Length;
            _inner.Write(buffer);
        }

        public override void Flush() => _inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public void FailedSave_LeavesTheOldFileIntact_AndNoTemporaryFile()
    {
        using var dir = new TempDir();
        string path = dir.File("model.cnng");
        var old = new FakeNetwork().Fill(10);
        NetworkFile.Save(old, path);
        byte[] oldBytes = File.ReadAllBytes(path);

        var e = Assert.Throws<IOException>(() => NetworkFile.Save(new FakeNetwork().Fill(11), path, s => new FailingStream(s, failAfter: 60)));
        Assert.Contains("simulated", e.Message);

        Assert.Equal(oldBytes, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
        var check = new FakeNetwork();
        NetworkFile.Load(check, path);
        Assert.Equal(old.Snapshot(), check.Snapshot());
    }

    [Fact]
    public void FailedSave_OfANewFile_LeavesNothing()
    {
        using var dir = new TempDir();
        Assert.Throws<IOException>(() => NetworkFile.Save(new FakeNetwork().Fill(11), dir.File("new.cnng"), s => new FailingStream(s, 0)));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void SaveOverExisting_Replaces()
    {
        using var dir = new TempDir();
        string path = dir.File("m.cnng");
        NetworkFile.Save(new FakeNetwork().Fill(1), path);
        var b = new FakeNetwork().Fill(2);
        NetworkFile.Save(b, path);
        var c = new FakeNetwork();
        NetworkFile.Load(c, path);
        Assert.Equal(b.Snapshot(), c.Snapshot());
    }
}
