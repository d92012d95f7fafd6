using System.Security.Cryptography;
using CnnGen.Runtime.Tests.Data;
using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Serialization;

namespace CnnGen.Runtime.Tests.Serialization;

public class BookWeightsTests
{
    private static void WriteFolder(string dir, FakeNetwork net, bool f64, Func<string, int[], int[]>? shapeOf = null, bool badSha = false)
    {
        var items = new List<string>();
        foreach (var (name, shape, values) in net.Parameters.Select(p => (p.Name, p.Shape.ToArray(), p.Values))
                     .Concat(net.States.Select(s => (s.Name, s.Shape.ToArray(), s.Values))))
        {
            byte[] bytes = f64
                ? values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray()
                : values.SelectMany(BitConverter.GetBytes).ToArray();
            string file = name + (f64 ? ".f64" : ".f32");
            File.WriteAllBytes(Path.Combine(dir, file), bytes);
            string sha = badSha ? new string('0', 64) : Convert.ToHexStringLower(SHA256.HashData(bytes));
            int[] s = shapeOf?.Invoke(name, shape) ?? shape;
            items.Add($"{{\"name\": \"{name}\", \"shape\": [{string.Join(", ", s)}], \"{(f64 ? "f64" : "f32")}\": {{\"file\": \"{file}\", \"bytes\": {bytes.Length}, \"sha256\": \"{sha}\"}}}}");
        }

        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{\"arrays\": [" + string.Join(",\n", items) + "]}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTrip(bool f64)
    {
        using var dir = new TempDir();
        var a = new FakeNetwork().Fill(31);
        WriteFolder(dir.Path, a, f64);
        var b = new FakeNetwork();
        BookWeights.Load(b, dir.Path);
        Assert.Equal(a.Snapshot(), b.Snapshot());
    }

    [Fact]
    public void ShapeMismatch_AndBadChecksum_AreRejected()
    {
        using var dir = new TempDir();
        WriteFolder(dir.Path, new FakeNetwork().Fill(1), false, (n, s) => n == "W2" ? new[] { 4, 12 } : s);
        var net = new FakeNetwork().Fill(2);
        float[] before = net.Snapshot();
        var e = Assert.Throws<InvalidDataException>(() => BookWeights.Load(net, dir.Path));
        Assert.Contains("'W2' has shape (4, 12)", e.Message);
        Assert.Equal(before, net.Snapshot());

        using var dir2 = new TempDir();
        WriteFolder(dir2.Path, new FakeNetwork().Fill(1), false, badSha: true);
        e = Assert.Throws<InvalidDataException>(() => BookWeights.Load(net, dir2.Path));
        Assert.Contains("checksum mismatch", e.Message);
        Assert.Equal(before, net.Snapshot());
    }

    [Fact]
    public void WrongFileSize_IsRejected()
    {
        using var dir = new TempDir();
        WriteFolder(dir.Path, new FakeNetwork().Fill(1), false);
        File.WriteAllBytes(Path.Combine(dir.Path, "b1.f32"), new byte[8]);
        var e = Assert.Throws<InvalidDataException>(() => BookWeights.Load(new FakeNetwork(), dir.Path));
        Assert.Contains("needs 12 bytes, the file has 8", e.Message);
    }

    [SkippableFact]
    public void MnistBook_SimpleConvNetWeights_Load()
    {
        string? book = MnistBookDataTests.FindMnistBook();
        Skip.If(book is null, "The mnist-book folder was not found: set CNNGEN_MNIST_BOOK to its path.");
        string dir = Path.Combine(book!, "weights", "simpleconvnet_2016");
        var f32 = new FakeSimpleConvNet();
        BookWeights.Load(f32, dir);
        var f64 = new FakeSimpleConvNet();
        BookWeights.Load(f64, dir, preferFloat64: true);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(f32.Parameters[i].Values, f64.Parameters[i].Values); // f64 rounded to nearest f32 = the .f32 files
            Assert.Contains(f32.Parameters[i].Values, v => v != 0f);
        }
    }
}
