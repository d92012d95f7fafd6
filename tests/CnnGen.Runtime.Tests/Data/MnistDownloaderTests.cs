using System.Net;
using System.Net.Sockets;
using CnnGen.Data;

namespace CnnGen.Runtime.Tests.Data;

public class MnistDownloaderTests
{
    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them later).</summary>
    private sealed class ListProgress : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = new();

        public void Report(DownloadProgress value)
        {
            lock (Reports) Reports.Add(value);
        }
    }

    private static Dictionary<string, byte[]> SmallMnist() => new()
    {
        ["train-images-idx3-ubyte.gz"] = IdxTestFiles.Gzip(IdxTestFiles.ImageBytes(300, 28, 28)),
        ["train-labels-idx1-ubyte.gz"] = IdxTestFiles.Gzip(IdxTestFiles.LabelBytes(300)),
        ["t10k-images-idx3-ubyte.gz"] = IdxTestFiles.Gzip(IdxTestFiles.ImageBytes(50, 28, 28)),
        ["t10k-labels-idx1-ubyte.gz"] = IdxTestFiles.Gzip(IdxTestFiles.LabelBytes(50)),
    };

    [Fact]
    public async Task Downloads_TheFourFiles_WithProgress_ThenSkipsThem()
    {
        Dictionary<string, byte[]> files = SmallMnist();
        using var server = new MiniHttpServer(files);
        using var cache = new TempDir();
        string dir = Path.Combine(cache.Path, "mnist");
        var progress = new ListProgress();

        string result = await MnistDownloader.EnsureAsync(dir, progress, CancellationToken.None, server.BaseUri);

        Assert.Equal(dir, result);
        foreach (var (name, bytes) in files) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, name)));
        Assert.Equal(4, Directory.GetFiles(dir).Length); // no temporary files left
        Assert.Equal(4, server.Requests.Count);
        MnistData data = MnistData.Load(dir);
        Assert.Equal(300, data.Train.Count);
        Assert.Equal(50, data.Test.Count);

        // Progress: per file, from 0 to the full size, monotone, with the total known.
        foreach (var (name, bytes) in files)
        {
            var mine = progress.Reports.Where(r => r.FileName == name).ToList();
            Assert.True(mine.Count >= 2);
            Assert.Equal(0, mine[0].BytesReceived);
            Assert.Equal(bytes.Length, mine[^1].BytesReceived);
            Assert.All(mine, r => Assert.Equal(bytes.Length, r.TotalBytes));
            Assert.All(mine, r => Assert.Equal(4, r.FileCount));
            for (int i = 1; i < mine.Count; i++) Assert.True(mine[i].BytesReceived >= mine[i - 1].BytesReceived);
            Assert.Equal(1.0, mine[^1].Fraction);
        }

        var images = progress.Reports.Where(r => r.FileName == "train-images-idx3-ubyte.gz").ToList();
        Assert.True(images.Count > 2, "a file larger than one read should report several steps");

        // Second call: everything present, nothing requested.
        var progress2 = new ListProgress();
        await MnistDownloader.EnsureAsync(dir, progress2, CancellationToken.None, server.BaseUri);
        Assert.Equal(4, server.Requests.Count);
        Assert.Empty(progress2.Reports);

        // One file removed: only that one is fetched again.
        File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        await MnistDownloader.EnsureAsync(dir, null, CancellationToken.None, server.BaseUri);
        Assert.Equal(5, server.Requests.Count);
        Assert.EndsWith("t10k-labels-idx1-ubyte.gz", server.Requests.Last());
    }

    [Fact]
    public async Task NotFound_GivesDatasetUnavailable_AndLeavesNoFile()
    {
        Dictionary<string, byte[]> files = SmallMnist();
        files.Remove("t10k-images-idx3-ubyte.gz");
        using var server = new MiniHttpServer(files);
        using var cache = new TempDir();

        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(
            () => MnistDownloader.EnsureAsync(cache.Path, null, CancellationToken.None, server.BaseUri));

        Assert.Contains("404", e.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("--data", e.Message);
        Assert.False(File.Exists(cache.File("t10k-images-idx3-ubyte.gz")));
        Assert.DoesNotContain(Directory.GetFiles(cache.Path), f => f.EndsWith(".part", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unreachable_GivesDatasetUnavailable_SayingHowToGetTheData()
    {
        // A port that was free a moment ago: nobody listens there.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var cache = new TempDir();

        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(
            () => MnistDownloader.EnsureAsync(cache.Path, null, CancellationToken.None, new Uri($"http://127.0.0.1:{port}/mnist/")));

        Assert.Contains("Cannot download", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public async Task Cancelled_LeavesNoFiles()
    {
        using var server = new MiniHttpServer(SmallMnist());
        using var cache = new TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => MnistDownloader.EnsureAsync(cache.Path, null, cts.Token, server.BaseUri));

        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public async Task ChecksumMismatch_IsRejected_WhenVerifying()
    {
        using var server = new MiniHttpServer(SmallMnist());
        using var cache = new TempDir();

        var e = await Assert.ThrowsAsync<InvalidDataException>(
            () => MnistDownloader.EnsureAsync(cache.Path, null, CancellationToken.None, server.BaseUri, verifyChecksums: true));

        Assert.Contains("expected SHA-256 440fcabf", e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public void OfficialChecksums_MatchTheMnistBookFiles_WhenPresent()
    {
        string? book = MnistBookDataTests.FindMnistBook();
        if (book is null) return; // covered by the skippable real-data test's message
        foreach (MnistFile f in MnistDownloader.OfficialFiles)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(book, "mnist", f.FileName));
            Assert.Equal(f.Bytes, bytes.Length);
            Assert.Equal(f.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
            Assert.Equal(f.Md5, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes)));
        }
    }
}
