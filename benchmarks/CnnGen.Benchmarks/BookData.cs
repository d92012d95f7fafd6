using System;
using System.IO;
using CnnGen.Data;
using CnnGen.Serialization;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// The book's trained SimpleConvNet weights and the real MNIST test images (the mnist-book folder), so that SimpleConvNet
    /// is timed as it is used: trained, on digits. Random weights and uniform noise give a network whose activations are
    /// unlike a trained one's (after ReLU and max pooling about 18% of SimpleConvNet's activations are non-zero on MNIST
    /// with the book's weights, most of them with random ones), which matters to the kernels that skip zeros.
    /// </summary>
    public sealed class BookData
    {
        private BookData(string root, MnistDataset test)
        {
            Root = root;
            Test = test;
        }

        /// <summary>The mnist-book folder.</summary>
        public string Root { get; }

        /// <summary>The 10,000 MNIST test images (pixels / 255) and labels.</summary>
        public MnistDataset Test { get; }

        /// <summary>Loads the book's SimpleConvNet weights into <paramref name="net"/>.</summary>
        public void LoadWeights(SimpleConvNet net) => BookWeights.Load(net, Path.Combine(Root, "weights", "simpleconvnet_2016"));

        /// <summary>The folder given, else <c>CNNGEN_MNIST_BOOK</c>, else <c>shared/oracles/mnist-book</c> beside the
        /// repository (searched upwards from the working directory); null when none has the files.</summary>
        public static BookData? TryLoad(string? folder)
        {
            string? root = folder ?? Environment.GetEnvironmentVariable("CNNGEN_MNIST_BOOK") ?? FindBesideRepository();
            if (root is null) return null;
            string weights = Path.Combine(root, "weights", "simpleconvnet_2016", "manifest.json");
            string mnist = Path.Combine(root, "mnist");
            if (!File.Exists(weights) || !Directory.Exists(mnist)) return null;
            return new BookData(root, MnistDataset.LoadTest(mnist, MnistKind.Digits));
        }

        private static string? FindBesideRepository()
        {
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "..", "shared", "oracles", "mnist-book");
                if (File.Exists(Path.Combine(dir.FullName, "CnnGen.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }

            return null;
        }
    }
}
