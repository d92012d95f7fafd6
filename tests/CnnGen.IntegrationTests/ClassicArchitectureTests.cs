using CnnGen.IntegrationTests.Infrastructure;
using CnnGen.IntegrationTests.Networks;

namespace CnnGen.IntegrationTests
{
    /// <summary>
    /// The classic architectures, declared in Networks/Classic.cs, checked through their compile-time members only
    /// (<c>ParameterCount</c>, <c>Summary</c>): AlexNet, VGG-16 and ResNet-18 at 3x224x224 are never instantiated here (VGG-16's
    /// weights and gradients alone would take over 1 GB).
    /// </summary>
    public class ClassicArchitectureTests
    {
        [Fact]
        public void LeNet5_has_61706_parameters()
        {
            // conv1  6 x 1 x 5 x 5 + 6      =    156
            // conv2 16 x 6 x 5 x 5 + 16     =  2,416
            // fc1  (16*5*5 = 400) x 120 + 120 = 48,120
            // fc2   120 x 84 + 84           = 10,164
            // fc3    84 x 10 + 10           =    850
            // total                          = 61,706
            Assert.Equal(61_706L, LeNet5.ParameterCount);
            Assert.Equal(10, LeNet5.OutputSize);
        }

        [Fact]
        public void AlexNet_parameter_count_matches_its_declaration()
        {
            // conv1  96 x 3 x 11 x 11 + 96    =     34,944
            // conv2 256 x 96 x 5 x 5 + 256    =    614,656
            // conv3 384 x 256 x 3 x 3 + 384   =    885,120
            // conv4 384 x 384 x 3 x 3 + 384   =  1,327,488
            // conv5 256 x 384 x 3 x 3 + 256   =    884,992
            // fc6  (256*6*6 = 9216) x 4096 + 4096 = 37,752,832
            // fc7   4096 x 4096 + 4096        = 16,781,312
            // fc8   4096 x 1000 + 1000        =  4,097,000
            // total                            = 62,378,344 (the original single-tower AlexNet; torchvision's variant with
            // 64-192-384-256-256 filters has 61,100,840 and is a different network).
            Assert.Equal(62_378_344L, AlexNet.ParameterCount);
        }

        [Fact]
        public void Vgg16_has_torchvision_parameter_count()
        {
            // torchvision 0.14.1: sum(p.numel() for p in torchvision.models.vgg16().parameters()) == 138,357,544
            // (Debian python3-torchvision; 1000 classes, weights not needed for the count).
            Assert.Equal(138_357_544L, Vgg16.ParameterCount);
        }

        [Fact]
        public void ResNet18_has_torchvision_parameter_count()
        {
            // torchvision 0.14.1: sum(p.numel() for p in torchvision.models.resnet18().parameters()) == 11,689,512.
            // Learnable parameters only: batch normalisation's running mean and variance are buffers in torchvision and
            // States (not Parameters) here, so neither side counts them.
            Assert.Equal(11_689_512L, ResNet18.ParameterCount);
        }

        [Fact]
        public void AlexNet_shapes_at_key_points()
        {
            List<SummaryRow> rows = SummaryRow.Parse(AlexNet.Summary);
            Assert.Equal("3x224x224", rows[0].Output);
            Assert.Equal("96x55x55", rows.First(r => r.Layer.StartsWith("Conv 96 11x11", StringComparison.Ordinal)).Output);
            Assert.Equal("96x27x27", rows.First(r => r.Layer.StartsWith("MaxPool", StringComparison.Ordinal)).Output);
            Assert.Equal("256x6x6", BeforeFirstAffine(rows));
            Assert.Equal("1000", rows[^1].Output);
        }

        [Fact]
        public void Vgg16_shapes_at_key_points()
        {
            List<SummaryRow> rows = SummaryRow.Parse(Vgg16.Summary);
            Assert.Equal(13, rows.Count(r => r.Layer.StartsWith("Conv", StringComparison.Ordinal)));
            Assert.Equal(new[] { "64x112x112", "128x56x56", "256x28x28", "512x14x14", "512x7x7" },
                rows.Where(r => r.Layer.StartsWith("MaxPool", StringComparison.Ordinal)).Select(r => r.Output).ToArray());
            Assert.Equal("512x7x7", BeforeFirstAffine(rows));
            Assert.Equal("1000", rows[^1].Output);
        }

        [Fact]
        public void ResNet18_shapes_at_key_points()
        {
            List<SummaryRow> rows = SummaryRow.Parse(ResNet18.Summary);
            Assert.Equal("64x112x112", rows[1].Output);
            Assert.Equal("64x56x56", rows.First(r => r.Layer.StartsWith("MaxPool", StringComparison.Ordinal)).Output);
            Assert.Equal(17, rows.Count(r => r.Layer.StartsWith("Conv", StringComparison.Ordinal))); // 1 stem + 16 in blocks; shortcuts live in EndResidual rows
            Assert.Equal(8, rows.Count(r => r.Layer.StartsWith("EndResidual", StringComparison.Ordinal)));
            Assert.Equal(3, rows.Count(r => r.Layer.Contains("Conv 1x1 s2", StringComparison.Ordinal)));
            int gap = rows.FindIndex(r => r.Layer.StartsWith("GlobalAvgPool", StringComparison.Ordinal));
            Assert.Equal("512x7x7", rows[gap - 1].Output);
            Assert.Equal("512", rows[gap].Output);
            Assert.Equal("1000", rows[^1].Output);
        }

        [Theory]
        [InlineData("LeNet5")]
        [InlineData("AlexNet")]
        [InlineData("Vgg16")]
        [InlineData("ResNet18")]
        public void Summary_matches_snapshot(string name)
        {
            string summary = name switch
            {
                "LeNet5" => LeNet5.Summary,
                "AlexNet" => AlexNet.Summary,
                "Vgg16" => Vgg16.Summary,
                "ResNet18" => ResNet18.Summary,
                _ => throw new ArgumentOutOfRangeException(nameof(name)),
            };
            Snapshot.Match(name + ".summary", summary);
        }

        [Fact]
        public void LeNet5_instance_agrees_with_its_static_members()
        {
            // LeNet-5 is small enough to build: Layers and Parameters must agree with the compile-time Summary and count.
            var net = new LeNet5(1);
            INetwork n = net;
            Assert.Equal(LeNet5.ParameterCount, net.Parameters.Sum(p => (long)p.Length));
            Assert.Equal(new TensorShape(6, 28, 28), n.Layers[1].OutputShape);
            Assert.Equal(new TensorShape(16, 5, 5), n.Layers.First(l => l.Kind == LayerKind.Affine).InputShape);
            List<SummaryRow> rows = SummaryRow.Parse(LeNet5.Summary);
            Assert.Equal(n.Layers.Count, rows.Count);
            for (int i = 0; i < rows.Count; i++) Assert.Equal(n.Layers[i].OutputShape.ToString(), rows[i].Output);
        }

        private static string BeforeFirstAffine(List<SummaryRow> rows)
        {
            int i = rows.FindIndex(r => r.Layer.StartsWith("Affine", StringComparison.Ordinal));
            return rows[i - 1].Output;
        }

        /// <summary>One row of the generated summary table: number, layer description, output shape.</summary>
        private sealed record SummaryRow(int Number, string Layer, string Output)
        {
            public static List<SummaryRow> Parse(string summary)
            {
                string[] lines = summary.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                string header = lines[0];
                int layerAt = header.IndexOf("Layer", StringComparison.Ordinal);
                int outputAt = header.IndexOf("Output", StringComparison.Ordinal);
                int paramsAt = header.IndexOf("Params", StringComparison.Ordinal);
                var rows = new List<SummaryRow>();
                foreach (string line in lines.Skip(1))
                {
                    if (line.StartsWith('-') || !char.IsDigit(line.TrimStart()[0])) continue;
                    int number = int.Parse(line[..layerAt], System.Globalization.CultureInfo.InvariantCulture);
                    string layer = line[layerAt..outputAt].Trim();
                    string output = line[outputAt..Math.Min(line.Length, paramsAt)].Trim().Split(' ')[0];
                    rows.Add(new SummaryRow(number, layer, output));
                }

                return rows;
            }
        }
    }
}
