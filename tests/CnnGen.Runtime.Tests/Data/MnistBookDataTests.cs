using CnnGen.Data;

namespace CnnGen.Runtime.Tests.Data;

/// <summary>Reads the real MNIST files of the mnist-book oracle folder when it is there.</summary>
public class MnistBookDataTests
{
    /// <summary>The mnist-book folder from CNNGEN_MNIST_BOOK, or ../shared/oracles/mnist-book beside the repository.</summary>
    internal static string? FindMnistBook()
    {
        string? env = Environment.GetEnvironmentVariable("CNNGEN_MNIST_BOOK");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnGen.sln")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "oracles", "mnist-book"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }

        return null;
    }

    [SkippableFact]
    public void RealTestSet_Loads()
    {
        string? book = FindMnistBook();
        Skip.If(book is null, "The mnist-book folder was not found: set CNNGEN_MNIST_BOOK to its path.");
        MnistDataset test = MnistDataset.LoadTest(Path.Combine(book!, "mnist"));

        Assert.Equal(10000, test.Count);
        Assert.Equal(28, test.Rows);
        Assert.Equal(28, test.Columns);
        Assert.Equal(10000 * 784, test.Images.Length);
        // The first five labels, as listed in the mnist-book README.
        Assert.Equal(new[] { 7, 2, 1, 0, 4 }, test.Labels.AsSpan(0, 5).ToArray());
        var histogram = new int[10];
        foreach (int l in test.Labels) histogram[l]++;
        Assert.Equal(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 }, histogram);
        Assert.Equal(0f, test.Images.Min());
        Assert.Equal(1f, test.Images.Max());
    }
}
