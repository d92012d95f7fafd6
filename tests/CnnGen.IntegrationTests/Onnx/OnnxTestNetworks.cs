using CnnGen.IntegrationTests.Networks;

namespace CnnGen.IntegrationTests.Onnx
{
    /// <summary>The networks the ONNX tests export, each with seeded, platform-independent weights.</summary>
    internal static class OnnxTestNetworks
    {
        /// <summary>One exported network: its file name in <c>Golden/onnx</c> (null: too large to commit), how to build it, and the export options.</summary>
        public sealed record Case(string Name, string? GoldenFile, Func<INetwork> Create, OnnxExportOptions Options)
        {
            public override string ToString() => Name;
        }

        public static readonly Case[] All =
        {
            new("SimpleConvNet", null, () => Seeded(new SimpleConvNet(), 11), new OnnxExportOptions { IncludeSoftmax = true }),
            new("LeNet5", "lenet5.onnx", () => Seeded(new LeNet5(), 12), new OnnxExportOptions { IncludeSoftmax = true }),
            new("TinyResNet", "tinyresnet.onnx", () => Seeded(new TinyResNet(), 13), OnnxExportOptions.Default),
            new("ProjectionResNet", "projectionresnet.onnx", () => Seeded(new ProjectionResNet(), 14), new OnnxExportOptions { IncludeSoftmax = true }),
            new("PaddedPoolNet", "paddedpoolnet.onnx", () => Seeded(new PaddedPoolNet(), 15), new OnnxExportOptions { IncludeSoftmax = true, Opset = 17 }),
        };

        public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });

        public static Case Get(string name) => All.Single(c => c.Name == name);

        /// <summary>Overwrites every parameter and state with values from a seeded integer generator (so the weights, and
        /// therefore the exported bytes, are the same on every platform): weights uniform in +-sqrt(3/fanIn), biases and
        /// batch-normalisation shifts in +-0.2, scales in [0.5, 1.5], running means in +-0.3, running variances in [0.5, 2].
        /// The network is left in inference mode.</summary>
        public static INetwork Seeded(INetwork network, int seed)
        {
            var random = new Bits((ulong)seed);
            foreach (Parameter p in network.Parameters)
            {
                for (int i = 0; i < p.Values.Length; i++)
                {
                    p.Values[i] = p.Role switch
                    {
                        ParameterRole.Weight => random.Symmetric() * MathF.Sqrt(3f / p.FanIn),
                        ParameterRole.Scale => 0.5f + random.Unit(),
                        _ => 0.2f * random.Symmetric(),
                    };
                }
            }

            foreach (StateBuffer s in network.States)
            {
                bool variance = s.Name.StartsWith("running_var", StringComparison.Ordinal);
                for (int i = 0; i < s.Values.Length; i++)
                {
                    s.Values[i] = variance ? 0.5f + 1.5f * random.Unit() : 0.3f * random.Symmetric();
                }
            }

            network.IsTraining = false;
            return network;
        }

        /// <summary>Inputs uniform in [-1, 1) for <paramref name="batch"/> samples.</summary>
        public static float[] Input(INetwork network, int batch, int seed)
        {
            var random = new Bits((ulong)(1000 + seed));
            float[] x = new float[batch * network.InputSize];
            for (int i = 0; i < x.Length; i++) x[i] = random.Symmetric();
            return x;
        }

        /// <summary>SplitMix64, turned into floats with exact arithmetic only.</summary>
        private struct Bits
        {
            private ulong _state;

            public Bits(ulong seed) => _state = seed;

            /// <summary>Uniform in [0, 1), a multiple of 2^-24.</summary>
            public float Unit()
            {
                ulong z = _state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                return (z >> 40) * (1f / 16777216f);
            }

            /// <summary>Uniform in [-1, 1).</summary>
            public float Symmetric() => 2f * Unit() - 1f;
        }
    }
}
