using CnnGen.Data;

namespace CnnGen.Runtime.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTrip_RawAndGzip(bool gzip)
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteFolder(dir.Path, train: 7, test: 5, gzip);

        MnistData data = MnistData.Load(dir.Path);

        Assert.Equal(7, data.Train.Count);
        Assert.Equal(5, data.Test.Count);
        Assert.Equal(4, data.Train.Rows);
        Assert.Equal(3, data.Train.Columns);
        Assert.Equal(12, data.Train.SampleSize);
        Assert.Equal(new TensorShape(1, 4, 3), data.Train.SampleShape);
        Assert.Equal(7 * 12, data.Train.Images.Length);
        byte[] raw = IdxTestFiles.ImageBytes(7, 4, 3);
        for (int i = 0; i < 7 * 12; i++) Assert.Equal(raw[16 + i] / 255f, data.Train.Images[i]);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, data.Train.Labels);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, data.Test.Labels);
        Assert.All(data.Train.Images, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(MnistKind.Digits, data.Train.Kind);
        Assert.Equal("7", data.Train.ClassNames[7]);
    }

    [Fact]
    public void PixelsScaleTo0And1()
    {
        using var dir = new TempDir();
        byte[] raw = IdxTestFiles.ImageBytes(1, 1, 2);
        raw[16] = 0;
        raw[17] = 255;
        File.WriteAllBytes(dir.File("x"), raw);
        IdxImages images = IdxReader.ReadImages(dir.File("x"));
        Assert.Equal(new[] { 0f, 1f }, images.Pixels);
    }

    [Fact]
    public void Subset_CopiesTheFirstSamples()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteFolder(dir.Path, train: 9, test: 2, gzip: true);
        MnistDataset train = MnistDataset.LoadTrain(dir.Path);
        MnistDataset sub = train.Subset(4);
        Assert.Equal(4, sub.Count);
        Assert.Equal(train.Images.AsSpan(0, 48).ToArray(), sub.Images);
        Assert.Equal(train.Labels.AsSpan(0, 4).ToArray(), sub.Labels);
        MnistDataset mid = train.Subset(3, 2);
        Assert.Equal(train.GetImage(3).ToArray(), mid.GetImage(0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Subset(10));
    }

    [Fact]
    public void FashionFolder_GetsFashionClassNames()
    {
        using var dir = new TempDir();
        string fashion = Path.Combine(dir.Path, "fashion-mnist");
        IdxTestFiles.WriteFolder(fashion, train: 2, test: 2, gzip: false);
        MnistDataset test = MnistDataset.LoadTest(fashion);
        Assert.Equal(MnistKind.Fashion, test.Kind);
        Assert.Equal("Ankle boot", test.ClassNames[9]);
    }

    [Fact]
    public void WrongMagic_SaysExpectedAndActualAndFile()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("images"), IdxTestFiles.LabelBytes(3));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("images")));
        Assert.Contains("images", e.Message);
        Assert.Contains("2051", e.Message);
        Assert.Contains("2049", e.Message);

        File.WriteAllBytes(dir.File("labels"), IdxTestFiles.ImageBytes(1, 2, 2));
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.File("labels")));
        Assert.Contains("expected magic number 2049", e.Message);
        Assert.Contains("found 2051", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedImageData_IsReported(bool gzip)
    {
        using var dir = new TempDir();
        byte[] raw = IdxTestFiles.ImageBytes(3, 2, 2, dropBytes: 5);
        File.WriteAllBytes(dir.File("imgs"), gzip ? IdxTestFiles.Gzip(raw) : raw);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("imgs")));
        Assert.Contains("imgs", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("12 bytes", e.Message);
        Assert.Contains("only 7 bytes", e.Message);
    }

    [Fact]
    public void TruncatedGzipStream_IsReported()
    {
        using var dir = new TempDir();
        byte[] gz = IdxTestFiles.Gzip(IdxTestFiles.ImageBytes(50, 10, 10));
        File.WriteAllBytes(dir.File("cut.gz"), gz.AsSpan(0, gz.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("cut.gz")));
        Assert.Contains("cut.gz", e.Message);
    }

    [Fact]
    public void TruncatedHeader_IsReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("short"), IdxTestFiles.ImageBytes(0, 1, 1).AsSpan(0, 10).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("short")));
        Assert.Contains("header", e.Message);
        Assert.Contains("expected 16 bytes, found 10", e.Message);
    }

    [Fact]
    public void TruncatedLabels_AndExtraBytes_AreReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("labels"), IdxTestFiles.LabelBytes(10, dropBytes: 3));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.File("labels")));
        Assert.Contains("10 labels", e.Message);

        File.WriteAllBytes(dir.File("long"), IdxTestFiles.LabelBytes(10, announcedCount: 8));
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.File("long")));
        Assert.Contains("2 unexpected bytes", e.Message);
    }

    [Fact]
    public void BadSizes_AreReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("neg"), IdxTestFiles.ImageBytes(0, 2, 2, announcedCount: -1));
        Assert.Contains("count must be >= 0", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("neg"))).Message);
        File.WriteAllBytes(dir.File("zero"), IdxTestFiles.ImageBytes(0, 0, 2));
        Assert.Contains("0x2", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.File("zero"))).Message);
    }

    [Fact]
    public void ImageAndLabelCountMismatch_IsReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("i"), IdxTestFiles.ImageBytes(4, 2, 2));
        File.WriteAllBytes(dir.File("l"), IdxTestFiles.LabelBytes(5));
        var e = Assert.Throws<InvalidDataException>(() => MnistDataset.FromFiles(dir.File("i"), dir.File("l")));
        Assert.Contains("4 images but 5 labels", e.Message);
        Assert.Contains(dir.File("i"), e.Message);
        Assert.Contains(dir.File("l"), e.Message);
    }

    [Fact]
    public void MissingFiles_SayHowToGetTheData()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetUnavailableException>(() => MnistData.Load(dir.Path));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("--data", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);
    }
}
