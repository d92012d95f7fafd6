using System;
using System.Collections.Generic;

namespace CnnGen
{
    /// <summary>
    /// What every generated network implements, so that trainers, optimisers, gradient checks,
    /// serialisation, metrics and benchmarks are written once, with no reflection.
    /// </summary>
    /// <remarks>
    /// A network instance owns its activation and gradient buffers and is <b>not</b> thread-safe:
    /// use one instance per thread, or <see cref="IInferenceSource.CreateInferenceInstance"/> copies
    /// that share the weights. Buffers are sized for the largest batch seen so far; after the first call
    /// at a batch size, calls at that size or smaller allocate nothing.
    /// </remarks>
    public interface INetwork
    {
        /// <summary>The class name of the network.</summary>
        string Name { get; }

        /// <summary>The shape of one input sample.</summary>
        TensorShape InputShape { get; }

        /// <summary>Number of floats in one input sample.</summary>
        int InputSize { get; }

        /// <summary>Number of outputs (logits) per sample.</summary>
        int OutputSize { get; }

        /// <summary>Total number of learnable values.</summary>
        long ParameterCount { get; }

        /// <summary>The learnable parameters in order (<c>W1, b1, W2, ...</c>).</summary>
        IReadOnlyList<Parameter> Parameters { get; }

        /// <summary>Non-learned state saved with the parameters (batch normalisation running averages).</summary>
        IReadOnlyList<StateBuffer> States { get; }

        /// <summary>The layers with output shapes, parameter counts and FLOPs.</summary>
        IReadOnlyList<LayerInfo> Layers { get; }

        /// <summary>A text table of the layers, shapes, parameters and FLOPs.</summary>
        string Summary { get; }

        /// <summary>A stable 64-bit fingerprint of the layer declaration (saved files carry it).</summary>
        ulong SpecFingerprint { get; }

        /// <summary>Training mode (dropout active, batch statistics) or inference mode.</summary>
        bool IsTraining { get; set; }

        /// <summary>The largest batch the buffers currently hold.</summary>
        int BatchCapacity { get; }

        /// <summary>Runs the network on <c>batch = input.Length / InputSize</c> samples (NCHW) and returns the logits, <c>batch x OutputSize</c>.
        /// The returned span is valid until the next call.</summary>
        ReadOnlySpan<float> Forward(ReadOnlySpan<float> input);

        /// <summary>Forward pass plus softmax cross-entropy against <paramref name="labels"/>; returns the mean loss.</summary>
        float Loss(ReadOnlySpan<float> input, ReadOnlySpan<int> labels);

        /// <summary>Back-propagates the last <see cref="Loss"/> and fills every <see cref="Parameter.Gradients"/> (overwriting them).</summary>
        void Backward();

        /// <summary>The softmax probabilities of the last forward pass (filled by <see cref="Loss"/> and by Predict).</summary>
        ReadOnlySpan<float> Probabilities { get; }

        /// <summary>The output of layer <paramref name="layerIndex"/> (as numbered in <see cref="Layers"/>) from the last forward pass, for
        /// feature-map pictures and debugging.</summary>
        ReadOnlySpan<float> GetActivation(int layerIndex);

        /// <summary>Re-seeds the network's random generator (dropout masks).</summary>
        void SetSeed(int seed);
    }

    /// <summary>Hands out inference instances that share a trained network's weights but own their buffers.</summary>
    public interface IInferenceSource
    {
        /// <summary>A new instance in inference mode whose parameters share this network's weight arrays. Each instance
        /// may be used by one thread at a time; many instances may run concurrently as long as nobody trains the
        /// source meanwhile.</summary>
        INetwork CreateInferenceInstance();
    }
}
