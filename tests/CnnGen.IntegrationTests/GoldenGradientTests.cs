using System.Text.Json;
using Xunit.Abstractions;

namespace CnnGen.IntegrationTests
{
    /// <summary>
    /// Loss and gradients of generated networks against PyTorch. Golden/gradients/*.json come from
    /// <c>/usr/bin/python3 scripts/golden/gradients_torch.py</c> (PyTorch in float64; see the script for the layout
    /// conversions); this test does not need PyTorch. The weights are loaded into the generated network by parameter name,
    /// <c>Loss</c> + <c>Backward</c> run in training mode, and each gradient must agree norm-wise:
    /// <c>||g - g_ref|| / ||g_ref|| &lt;= 1e-4</c> per parameter (float32 accumulation against float64 reference), and the loss to
    /// a relative 1e-5.
    /// </summary>
    public class GoldenGradientTests
    {
        private const double GradientTolerance = 1e-4;
        private const double LossTolerance = 1e-5;
        private readonly ITestOutputHelper _output;

        public GoldenGradientTests(ITestOutputHelper output) => _output = output;

        [Theory]
        [InlineData("GoldenSimpleConv")]
        [InlineData("GoldenAvgTanhSigmoid")]
        [InlineData("GoldenResBatchNorm")]
        [InlineData("GoldenAffineBatchNorm")]
        [InlineData("GoldenConvRelu")]
        public void Loss_and_gradients_match_pytorch(string name)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Golden", "gradients", name + ".json");
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            float[] input = Floats(root.GetProperty("input"));
            int[] labels = root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            double expectedLoss = root.GetProperty("loss").GetDouble();

            INetwork net = GradientCheckTests.Create(name);
            net.IsTraining = true;
            var byName = net.Parameters.ToDictionary(p => p.Name);
            var reference = new Dictionary<string, float[]>();
            foreach (JsonElement p in root.GetProperty("parameters").EnumerateArray())
            {
                string pname = p.GetProperty("name").GetString()!;
                Assert.True(byName.TryGetValue(pname, out Parameter? parameter), $"{name}: no parameter {pname} in the generated network.");
                int[] shape = p.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                Assert.Equal(shape, parameter!.Shape.ToArray());
                Floats(p.GetProperty("values")).CopyTo(parameter.Values, 0);
                reference[pname] = Floats(p.GetProperty("gradient"));
            }

            Assert.Equal(net.Parameters.Count, reference.Count);
            float loss = net.Loss(input, labels);
            net.Backward();
            _output.WriteLine($"{name}: loss {loss:R} vs {expectedLoss:R}");
            var failures = new List<string>();
            if (Math.Abs(loss - expectedLoss) > LossTolerance * Math.Abs(expectedLoss)) failures.Add($"loss {loss:R} vs {expectedLoss:R}");
            foreach (Parameter p in net.Parameters)
            {
                float[] g = reference[p.Name];
                double diff = 0, norm = 0;
                for (int i = 0; i < g.Length; i++)
                {
                    diff += Math.Pow(p.Gradients[i] - (double)g[i], 2);
                    norm += (double)g[i] * g[i];
                }

                // A bias before batch normalisation has a true gradient of 0 (1e-16 in float64): below 1e-3 the error is absolute.
                double rel = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-3);
                _output.WriteLine($"  {p.Name,-8} {p.ShapeText,-10} ||g_ref|| = {Math.Sqrt(norm):E3}  relative error {rel:E2}");
                if (rel > GradientTolerance) failures.Add($"{p.Name}: relative error {rel:E2} (||g_ref|| = {Math.Sqrt(norm):E3})");
            }

            Assert.True(failures.Count == 0, $"{name} differs from PyTorch:\n" + string.Join("\n", failures));
        }

        private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
    }
}
