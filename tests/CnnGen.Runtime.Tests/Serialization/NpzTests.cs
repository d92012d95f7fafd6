using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CnnGen.Runtime.Tests.Data;
using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Serialization;

namespace CnnGen.Runtime.Tests.Serialization;

public class NpzTests
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "npz", name);

    [Fact]
    public void Npy_RoundTrip_AndHeaderIsAligned()
    {
        float[] data = Enumerable.Range(0, 24).Select(i => i * 0.5f - 3f).ToArray();
        using var ms = new MemoryStream();
        NpyWriter.Write(ms, data, new[] { 2, 3, 4 });
        byte[] bytes = ms.ToArray();
        Assert.Equal(0, (bytes.Length - 24 * 4) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, bytes.Length - 96 - 10);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'shape': (2, 3, 4)", header);
        NpyArray back = NpyReader.Read(new MemoryStream(bytes), "mem");
        Assert.Equal(new[] { 2, 3, 4 }, back.Shape);
        Assert.Equal(data, back.Data);
        Assert.Equal("<f4", back.SourceDType);
    }

    [Fact]
    public void Npy_OneDimensionalShape_UsesPythonTupleSyntax()
    {
        using var ms = new MemoryStream();
        NpyWriter.Write(ms, new float[] { 1, 2, 3 }, new[] { 3 });
        Assert.Contains("'shape': (3,)", Encoding.ASCII.GetString(ms.ToArray()));
        Assert.Equal(new[] { 3 }, NpyReader.Read(new MemoryStream(ms.ToArray()), "m").Shape);
    }

    [Fact]
    public void Npy_Errors()
    {
        var e = Assert.Throws<InvalidDataException>(() => NpyReader.Read(new MemoryStream(Encoding.ASCII.GetBytes("hello world, not numpy")), "x.npy"));
        Assert.Contains("not an npy file", e.Message);
        Assert.Contains("x.npy", e.Message);

        using var ms = new MemoryStream();
        NpyWriter.Write(ms, new float[10], new[] { 10 });
        byte[] cut = ms.ToArray()[..^8];
        e = Assert.Throws<InvalidDataException>(() => NpyReader.Read(new MemoryStream(cut), "cut.npy"));
        Assert.Contains("needs 40 bytes, found 32", e.Message);
    }

    [Fact]
    public void Npz_RoundTrip()
    {
        using var dir = new TempDir();
        var a = new FakeNetwork().Fill(21);
        Npz.Save(a, dir.File("p.npz"));
        var b = new FakeNetwork();
        Npz.Load(b, dir.File("p.npz"));
        Assert.Equal(a.Snapshot(), b.Snapshot());
        IReadOnlyDictionary<string, NpyArray> all = Npz.Read(dir.File("p.npz"));
        Assert.Equal(new[] { "W1", "W2", "b1", "running_mean1" }, all.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new[] { 3, 1, 2, 2 }, all["W1"].Shape);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("fake_f32.npz", "<f4")]
    [InlineData("fake_f64.npz", "<f8")]
    [InlineData("fake_f32_compressed.npz", "<f4")]
    public void Golden_NumpyFiles_Load(string file, string dtype)
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllBytes(Golden("expected.json")));
        JsonElement spec = expected.RootElement.GetProperty(file);
        var net = new FakeNetwork();
        Npz.Load(net, Golden(file));

        var tensors = net.Parameters.Select(p => (p.Name, Shape: p.Shape.ToArray(), p.Values))
            .Concat(net.States.Select(s => (s.Name, Shape: s.Shape.ToArray(), s.Values)));
        foreach (var (name, shape, values) in tensors)
        {
            JsonElement e = spec.GetProperty(name);
            Assert.Equal(dtype, e.GetProperty("dtype").GetString());
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), shape);
            double sum = values.Sum(v => (double)v);
            Assert.Equal(e.GetProperty("sum").GetDouble(), sum, 5);
            float[] first = e.GetProperty("first").EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
            Assert.Equal(first, values.Take(first.Length));
            Assert.Equal((float)e.GetProperty("last").GetDouble(), values[^1]);
        }

        Assert.Equal(dtype, Npz.Read(Golden(file))["W2"].SourceDType);
    }

    [Fact]
    public void Golden_WrongShape_NamesKeyExpectedAndActual_AndTouchesNothing()
    {
        var net = new FakeNetwork().Fill(5);
        float[] before = net.Snapshot();
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(net, Golden("fake_wrong_shape.npz")));
        Assert.Contains("'W2' has shape (4, 12)", e.Message);
        Assert.Contains("expects (12, 4)", e.Message);
        Assert.Equal(before, net.Snapshot());
    }

    [Fact]
    public void Golden_MissingKeys_AreAllListed()
    {
        var net = new FakeNetwork().Fill(5);
        float[] before = net.Snapshot();
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(net, Golden("fake_missing.npz")));
        Assert.Contains("missing keys b1, running_mean1", e.Message);
        Assert.Contains("Present keys:", e.Message);
        Assert.Equal(before, net.Snapshot());
    }

    [Fact]
    public void Golden_FortranOrder_IsRejectedClearly()
    {
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(new FakeNetwork(), Golden("fake_fortran.npz")));
        Assert.Contains("Fortran", e.Message);
        Assert.Contains("W2.npy", e.Message);
    }

    [Fact]
    public void Golden_Int64_IsRejectedClearly()
    {
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(new FakeNetwork(), Golden("fake_int64.npz")));
        Assert.Contains("unsupported dtype '<i8'", e.Message);
        Assert.Contains("b1.npy", e.Message);
    }

    [Fact]
    public void NotAZip_IsRejected()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.npz"), "definitely not a zip archive");
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(new FakeNetwork(), dir.File("x.npz")));
        Assert.Contains("x.npz", e.Message);
    }

    [Fact]
    public void ExtraKeys_AreIgnored()
    {
        using var dir = new TempDir();
        var a = new FakeNetwork().Fill(9);
        using (var fs = File.Create(dir.File("e.npz")))
        {
            Npz.Save(a, fs);
        }

        using (var zip = ZipFile.Open(dir.File("e.npz"), ZipArchiveMode.Update))
        {
            using Stream s = zip.CreateEntry("extra.npy").Open();
            NpyWriter.Write(s, new float[] { 1 }, new[] { 1 });
        }

        var b = new FakeNetwork();
        Npz.Load(b, dir.File("e.npz"));
        Assert.Equal(a.Snapshot(), b.Snapshot());
    }
}
