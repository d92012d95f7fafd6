using System;
using System.Collections.Generic;
using CnnGen.Kernels;

namespace CnnGen.Training
{
    /// <summary>
    /// Deterministic parameter initialisation: the same seed gives bit-identical values on every platform.
    /// </summary>
    /// <remarks>
    /// Each parameter draws from its own <see cref="SplitMix64"/> stream, derived from the seed and the parameter's
    /// position, so changing one layer's size does not change the values of the others. Weights are normal with mean 0;
    /// with an explicit <see cref="InitScheme"/>, biases and shifts become 0 and scales 1 regardless of their defaults.
    /// </remarks>
    public static class Initializer
    {
        /// <summary>The notes' fixed standard deviation, <c>weight_init_std = 0.01</c>.</summary>
        public const float DefaultFixedStd = 0.01f;

        /// <summary>Initialises every parameter of <paramref name="network"/>.</summary>
        /// <param name="network">The network.</param>
        /// <param name="seed">The seed; equal seeds give equal values.</param>
        /// <param name="scheme">The scheme; <see cref="InitScheme.Default"/> uses each parameter's <see cref="Parameter.DefaultInit"/>.</param>
        public static void Initialize(INetwork network, int seed, InitScheme scheme = InitScheme.Default)
            => Initialize(network, seed, scheme, DefaultFixedStd);

        /// <summary>Initialises every parameter of <paramref name="network"/> with a chosen fixed std.</summary>
        /// <param name="network">The network.</param>
        /// <param name="seed">The seed; equal seeds give equal values.</param>
        /// <param name="scheme">The scheme; <see cref="InitScheme.Default"/> uses each parameter's <see cref="Parameter.DefaultInit"/>.</param>
        /// <param name="fixedStd">The std of <see cref="InitScheme.FixedStd"/> and of parameters whose default is <see cref="InitKind.FixedStd"/>.</param>
        public static void Initialize(INetwork network, int seed, InitScheme scheme, float fixedStd)
        {
            ArgumentNullException.ThrowIfNull(network);
            Initialize(network.Parameters, seed, scheme, fixedStd);
        }

        /// <summary>Initialises a list of parameters.</summary>
        /// <param name="parameters">The parameters, in a fixed order (the order is part of the seed's meaning).</param>
        /// <param name="seed">The seed; equal seeds give equal values.</param>
        /// <param name="scheme">The scheme; <see cref="InitScheme.Default"/> uses each parameter's <see cref="Parameter.DefaultInit"/>.</param>
        /// <param name="fixedStd">The std of <see cref="InitScheme.FixedStd"/> and of parameters whose default is <see cref="InitKind.FixedStd"/>.</param>
        public static void Initialize(IReadOnlyList<Parameter> parameters, int seed, InitScheme scheme = InitScheme.Default, float fixedStd = DefaultFixedStd)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (!(fixedStd >= 0f) || float.IsInfinity(fixedStd)) throw new ArgumentOutOfRangeException(nameof(fixedStd), fixedStd, "The std must be finite and >= 0.");
            if (scheme is < InitScheme.Default or > InitScheme.Xavier) throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");

            for (int i = 0; i < parameters.Count; i++)
            {
                Parameter p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
                InitKind kind = KindFor(p, scheme);
                var random = new SplitMix64(StreamSeed(seed, i));
                Fill(p, kind, fixedStd, ref random);
            }
        }

        /// <summary>The initialisation a parameter receives under <paramref name="scheme"/>.</summary>
        /// <param name="parameter">The parameter.</param>
        /// <param name="scheme">The scheme.</param>
        /// <returns>The kind of initialisation.</returns>
        public static InitKind KindFor(Parameter parameter, InitScheme scheme)
        {
            ArgumentNullException.ThrowIfNull(parameter);
            if (scheme == InitScheme.Default) return parameter.DefaultInit;
            return parameter.Role switch
            {
                ParameterRole.Weight => scheme switch
                {
                    InitScheme.FixedStd => InitKind.FixedStd,
                    InitScheme.He => InitKind.He,
                    _ => InitKind.Xavier,
                },
                ParameterRole.Scale => InitKind.Ones,
                _ => InitKind.Zeros,
            };
        }

        /// <summary>The standard deviation used for a normal initialisation of <paramref name="parameter"/>.</summary>
        /// <param name="parameter">The parameter (its <see cref="Parameter.FanIn"/> is used).</param>
        /// <param name="kind">He, Xavier or FixedStd.</param>
        /// <param name="fixedStd">The std for <see cref="InitKind.FixedStd"/>.</param>
        /// <returns>The std.</returns>
        public static double StandardDeviation(Parameter parameter, InitKind kind, float fixedStd = DefaultFixedStd)
        {
            ArgumentNullException.ThrowIfNull(parameter);
            if ((kind == InitKind.He || kind == InitKind.Xavier) && parameter.FanIn < 1)
            {
                throw new ArgumentException($"Parameter '{parameter.Name}' has fan-in {parameter.FanIn}; {kind} initialisation needs a fan-in >= 1.", nameof(parameter));
            }

            return kind switch
            {
                InitKind.He => Math.Sqrt(2.0 / parameter.FanIn),
                InitKind.Xavier => Math.Sqrt(1.0 / parameter.FanIn),
                InitKind.FixedStd => fixedStd,
                _ => 0.0,
            };
        }

        private static void Fill(Parameter p, InitKind kind, float fixedStd, ref SplitMix64 random)
        {
            Span<float> values = p.Values;
            switch (kind)
            {
                case InitKind.Zeros:
                    values.Clear();
                    return;
                case InitKind.Ones:
                    values.Fill(1f);
                    return;
                case InitKind.He:
                case InitKind.Xavier:
                case InitKind.FixedStd:
                    double std = StandardDeviation(p, kind, fixedStd);
                    for (int j = 0; j < values.Length; j++) values[j] = (float)(std * random.NextGaussian());
                    return;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Parameter '{p.Name}': unknown initialisation.");
            }
        }

        private static ulong StreamSeed(int seed, int index)
        {
            // Mix seed and position through one SplitMix64 output so neighbouring seeds give unrelated streams.
            var mixer = new SplitMix64(((ulong)(uint)seed << 32) | (uint)index);
            return mixer.NextUInt64();
        }
    }
}
