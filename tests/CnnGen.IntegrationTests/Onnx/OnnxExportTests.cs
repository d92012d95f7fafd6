using System.Security.Cryptography;
using System.Text.Json;
using CnnGen.Kernels;
using Microsoft.ML.OnnxRuntime;

namespace CnnGen.IntegrationTests.Onnx
{
    /// <summary>
    /// Exports the test networks to ONNX and runs them in ONNX Runtime against CnnGen's own inference forward pass.
    /// </summary>
    /// <remarks>
    /// Tolerance: the two engines sum the same products in different orders (im2col + blocked GEMM here, ONNX Runtime's
    /// own convolution and GEMM kernels there), so individual outputs differ by float32 rounding that grows with the
    /// length of the sums, not with the output's own size; a logit that happens to be near zero can therefore have a
    /// large relative error while being perfectly right. The checks are scaled instead: the L2 norm of the difference
    /// must be within 1e-5 of the L2 norm of CnnGen's output, and every single difference within 1e-5 of the largest
    /// output magnitude (at least 1). Probabilities are in [0, 1] and are compared absolutely to 1e-5.
    /// </remarks>
    public sealed class OnnxExportTests
    {
        private const double Tolerance = 1e-5;

        public static IEnumerable<object[]> Networks => OnnxTestNetworks.Names;

        private static string GoldenFolder => Path.Combine(TestPaths.RepositoryRoot, "tests", "CnnGen.IntegrationTests", "Golden", "onnx");

        [Theory]
        [MemberData(nameof(Networks))]
        public void OnnxRuntimeMatchesForward(string name)
        {
            OnnxTestNetworks.Case c = OnnxTestNetworks.Get(name);
            INetwork network = c.Create();
            byte[] model = network.ToOnnxBytes(c.Options);

            using var session = new InferenceSession(model);
            Assert.Equal(new[] { "input" }, session.InputNames);
            Assert.Equal(c.Options.IncludeSoftmax ? new[] { "logits", "probabilities" } : new[] { "logits" }, session.OutputNames);
            Assert.Equal(-1, session.InputMetadata["input"].Dimensions[0]);

            foreach (int batch in new[] { 1, 3 })
            {
                float[] x = OnnxTestNetworks.Input(network, batch, batch);
                float[] expected = network.Forward(x).ToArray();
                (float[] logits, float[]? probabilities) = Run(session, network, x, batch, c.Options.IncludeSoftmax);

                Assert.Equal(batch * network.OutputSize, logits.Length);
                AssertClose(expected, logits, $"{name} logits, batch {batch}");

                if (c.Options.IncludeSoftmax)
                {
                    float[] softmax = new float[expected.Length];
                    SoftmaxCrossEntropy.Softmax(batch, network.OutputSize, expected, softmax);
                    Assert.NotNull(probabilities);
                    for (int i = 0; i < softmax.Length; i++)
                    {
                        Assert.True(Math.Abs(softmax[i] - probabilities![i]) <= Tolerance, $"{name} probability {i}, batch {batch}: {probabilities[i]} vs {softmax[i]}");
                    }
                }
            }
        }

        [Fact]
        public void SoftmaxOutputMatchesPredict()
        {
            OnnxTestNetworks.Case c = OnnxTestNetworks.Get("LeNet5");
            var network = (CnnGen.IntegrationTests.Networks.LeNet5)c.Create();
            float[] x = OnnxTestNetworks.Input(network, 1, 7);
            float[] expected = new float[((INetwork)network).OutputSize];
            int predicted = network.Predict(x, expected);

            using var session = new InferenceSession(network.ToOnnxBytes(c.Options));
            (_, float[]? probabilities) = Run(session, network, x, 1, true);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - probabilities![i]) <= Tolerance);
            Assert.Equal(predicted, Array.IndexOf(probabilities!, probabilities!.Max()));
        }

        [Theory]
        [MemberData(nameof(Networks))]
        public void ExportIsDeterministicAndStreamMatchesPath(string name)
        {
            OnnxTestNetworks.Case c = OnnxTestNetworks.Get(name);
            byte[] first = c.Create().ToOnnxBytes(c.Options);
            byte[] second = c.Create().ToOnnxBytes(c.Options);
            Assert.Equal(first, second);

            using var stream = new MemoryStream();
            c.Create().ExportOnnx(stream, c.Options);
            Assert.Equal(first, stream.ToArray());

            string path = Path.Combine(Path.GetTempPath(), $"cnngen-onnx-{Guid.NewGuid():N}.onnx");
            try
            {
                c.Create().ExportOnnx(path, c.Options);
                Assert.Equal(first, File.ReadAllBytes(path));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void OpsetOutOfRangeIsRejected()
        {
            INetwork network = OnnxTestNetworks.Get("PaddedPoolNet").Create();
            Assert.Throws<ArgumentOutOfRangeException>(() => network.ToOnnxBytes(new OnnxExportOptions { Opset = 12 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => network.ToOnnxBytes(new OnnxExportOptions { Opset = 99 }));
        }

        /// <summary>With <c>CNNGEN_WRITE_ONNX=1</c>, rewrites the committed models (then run <c>scripts/onnx/check_onnx.py</c>).</summary>
        [Fact]
        public void WriteGoldenModelsWhenAsked()
        {
            if (Environment.GetEnvironmentVariable("CNNGEN_WRITE_ONNX") != "1") return;
            Directory.CreateDirectory(GoldenFolder);
            foreach (OnnxTestNetworks.Case c in OnnxTestNetworks.All)
            {
                if (c.GoldenFile is null) continue;
                c.Create().ExportOnnx(Path.Combine(GoldenFolder, c.GoldenFile), c.Options);
            }
        }

        /// <summary>The committed checker verdict covers every committed model, says ok, and still describes the bytes the exporter
        /// writes today (same SHA-256, and re-exporting gives the committed file byte for byte).</summary>
        [Fact]
        public void CommittedModelsPassTheOnnxCheckerAndMatchTheExporter()
        {
            if (Environment.GetEnvironmentVariable("CNNGEN_WRITE_ONNX") == "1") return; // the files are being rewritten
            string verdictPath = Path.Combine(GoldenFolder, "checker_verdict.json");
            Assert.True(File.Exists(verdictPath), $"missing {verdictPath}: run the tests with CNNGEN_WRITE_ONNX=1, then scripts/onnx/check_onnx.py");
            using JsonDocument verdict = JsonDocument.Parse(File.ReadAllText(verdictPath));
            JsonElement root = verdict.RootElement;
            Assert.Equal("ok", root.GetProperty("verdict").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("onnx_version").GetString()));
            JsonElement models = root.GetProperty("models");

            var expectedFiles = OnnxTestNetworks.All.Where(c => c.GoldenFile is not null).Select(c => c.GoldenFile!).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            var checkedFiles = models.EnumerateObject().Select(p => p.Name).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.Equal(expectedFiles, checkedFiles);

            foreach (OnnxTestNetworks.Case c in OnnxTestNetworks.All)
            {
                if (c.GoldenFile is null) continue;
                JsonElement entry = models.GetProperty(c.GoldenFile);
                Assert.Equal("ok", entry.GetProperty("status").GetString());

                byte[] committed = File.ReadAllBytes(Path.Combine(GoldenFolder, c.GoldenFile));
                Assert.Equal(entry.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(committed)));
                byte[] exported = c.Create().ToOnnxBytes(c.Options);
                Assert.True(committed.AsSpan().SequenceEqual(exported), $"{c.GoldenFile}: re-export differs from the committed file; rerun with CNNGEN_WRITE_ONNX=1 and scripts/onnx/check_onnx.py");
            }
        }

        private static (float[] Logits, float[]? Probabilities) Run(InferenceSession session, INetwork network, float[] x, int batch, bool softmax)
        {
            TensorShape s = network.InputShape;
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, new long[] { batch, s.Channels, s.Height, s.Width });
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, new[] { "input" }, new[] { input }, session.OutputNames);
            long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
            Assert.Equal(new long[] { batch, network.OutputSize }, shape);
            float[] logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            float[]? probabilities = softmax ? outputs[1].GetTensorDataAsSpan<float>().ToArray() : null;
            return (logits, probabilities);
        }

        private static void AssertClose(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            double diff2 = 0, norm2 = 0, largest = 1;
            for (int i = 0; i < expected.Length; i++)
            {
                double d = (double)actual[i] - expected[i];
                diff2 += d * d;
                norm2 += (double)expected[i] * expected[i];
                largest = Math.Max(largest, Math.Abs(expected[i]));
            }

            Assert.True(Math.Sqrt(diff2) <= Tolerance * Math.Sqrt(norm2) + 1e-30, $"{what}: |difference| = {Math.Sqrt(diff2):G4}, |expected| = {Math.Sqrt(norm2):G4}");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs((double)actual[i] - expected[i]) <= Tolerance * largest, $"{what}[{i}]: ONNX Runtime {actual[i]:R}, CnnGen {expected[i]:R}");
            }
        }
    }
}
