using System.Text;

namespace CnnGen.IntegrationTests.Infrastructure
{
    /// <summary>
    /// Compares a text with the snapshot <c>Snapshots/NAME.txt</c> in the test project's source folder. A difference fails with
    /// both texts shown. With <c>CNNGEN_ACCEPT_SNAPSHOTS=1</c> (and never when <c>CI=true</c>) a missing or different snapshot is
    /// written instead, to be reviewed and committed.
    /// </summary>
    internal static class Snapshot
    {
        public static string Folder => Path.Combine(TestPaths.RepositoryRoot, "tests", "CnnGen.IntegrationTests", "Snapshots");

        public static void Match(string name, string actual)
        {
            actual = Normalise(actual);
            string path = Path.Combine(Folder, name + ".txt");
            string? expected = File.Exists(path) ? Normalise(File.ReadAllText(path, Encoding.UTF8)) : null;
            if (expected == actual) return;

            bool accept = Environment.GetEnvironmentVariable("CNNGEN_ACCEPT_SNAPSHOTS") == "1"
                && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            if (accept)
            {
                Directory.CreateDirectory(Folder);
                File.WriteAllText(path, actual, new UTF8Encoding(false));
                return;
            }

            string message = expected is null
                ? $"Snapshot {path} does not exist. Actual text:\n{actual}\nRun with CNNGEN_ACCEPT_SNAPSHOTS=1 to write it."
                : $"Snapshot {path} differs.\n--- expected ---\n{expected}\n--- actual ---\n{actual}\n{FirstDifference(expected, actual)}\n" +
                  "If the change is intended, run with CNNGEN_ACCEPT_SNAPSHOTS=1 and review the diff.";
            Assert.Fail(message);
        }

        private static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

        private static string FirstDifference(string expected, string actual)
        {
            string[] e = expected.Split('\n');
            string[] a = actual.Split('\n');
            for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
            {
                string el = i < e.Length ? e[i] : "<end>";
                string al = i < a.Length ? a[i] : "<end>";
                if (el != al) return $"first difference at line {i + 1}:\n  expected: {el}\n  actual:   {al}";
            }

            return string.Empty;
        }
    }
}
