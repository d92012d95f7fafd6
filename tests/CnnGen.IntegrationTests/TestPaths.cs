namespace CnnGen.IntegrationTests
{
    /// <summary>Where external test data lives. Tests that need it skip cleanly when it is absent.</summary>
    internal static class TestPaths
    {
        /// <summary>The mnist-book oracle folder: <c>CNNGEN_MNIST_BOOK</c>, else <c>../shared/oracles/mnist-book</c> beside the repository.</summary>
        public static string? MnistBook => FirstExisting(Environment.GetEnvironmentVariable("CNNGEN_MNIST_BOOK"), Path.Combine(RepositoryRoot, "..", "shared", "oracles", "mnist-book"));

        /// <summary>Fashion-MNIST IDX files: <c>CNNGEN_FASHION_MNIST</c>, else Debian's <c>/usr/share/datasets/fashion-mnist</c>.</summary>
        public static string? FashionMnist => FirstExisting(Environment.GetEnvironmentVariable("CNNGEN_FASHION_MNIST"), "/usr/share/datasets/fashion-mnist");

        public static string RepositoryRoot
        {
            get
            {
                string? dir = AppContext.BaseDirectory;
                while (dir is not null && !File.Exists(Path.Combine(dir, "CnnGen.sln")))
                {
                    dir = Path.GetDirectoryName(dir);
                }

                return dir ?? Directory.GetCurrentDirectory();
            }
        }

        private static string? FirstExisting(params string?[] candidates)
        {
            foreach (string? candidate in candidates)
            {
                if (!string.IsNullOrEmpty(candidate) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }

            return null;
        }
    }
}
