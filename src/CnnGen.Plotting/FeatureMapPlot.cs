using System;
using System.Collections.Generic;

namespace CnnGen.Plotting
{
    /// <summary>
    /// Draws the feature maps of one sample (the output of a convolution or pooling layer, <c>C x H x W</c>,
    /// as returned by <see cref="INetwork.GetActivation"/>) as a grid of grey images, one per channel,
    /// bright where the channel responds strongly.
    /// </summary>
    public static class FeatureMapPlot
    {
        /// <summary>Saves the <paramref name="shape"/>.Channels maps of one sample as a PNG grid.</summary>
        /// <param name="maps">The sample's activations, <c>shape.Channels x shape.Height x shape.Width</c> floats.</param>
        /// <param name="shape">The layer's output shape for one sample (<see cref="LayerInfo.OutputShape"/>).</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title, or null for none.</param>
        /// <param name="columns">Maps per grid row; 0 picks a near-square grid (at most 10 columns).</param>
        /// <exception cref="ArgumentException"><paramref name="maps"/> does not hold exactly one sample of <paramref name="shape"/>.</exception>
        public static void Save(ReadOnlySpan<float> maps, TensorShape shape, string path, string? title = null, int columns = 0)
        {
            if (maps.Length != shape.Size)
            {
                throw new ArgumentException($"One sample of {shape} has {shape.Size} values, got {maps.Length}; pass the slice of one sample.", nameof(maps));
            }

            int size = shape.Height * shape.Width;
            var images = new List<float[]>(shape.Channels);
            for (int c = 0; c < shape.Channels; c++)
            {
                images.Add(maps.Slice(c * size, size).ToArray());
            }

            ImageGridPlot.Save(images, shape.Height, shape.Width, path, title, columns);
        }

        /// <summary>
        /// Saves the maps of sample <paramref name="sample"/> of layer <paramref name="layerIndex"/> from the network's last
        /// forward pass as a PNG grid.
        /// </summary>
        /// <param name="network">A network that has just run a forward pass on a batch containing the sample.</param>
        /// <param name="layerIndex">The layer, numbered as in <see cref="INetwork.Layers"/>; its output must be a <c>C x H x W</c> map.</param>
        /// <param name="sample">The sample's position in the last batch.</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title; when null, the layer's description is used.</param>
        /// <param name="columns">Maps per grid row; 0 picks a near-square grid (at most 10 columns).</param>
        /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="layerIndex"/> or <paramref name="sample"/> is out of range.</exception>
        public static void Save(INetwork network, int layerIndex, int sample, string path, string? title = null, int columns = 0)
        {
            ArgumentNullException.ThrowIfNull(network);
            if ((uint)layerIndex >= (uint)network.Layers.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(layerIndex), layerIndex, $"'{network.Name}' has layers 0 to {network.Layers.Count - 1}.");
            }

            LayerInfo layer = network.Layers[layerIndex];
            TensorShape shape = layer.OutputShape;
            ReadOnlySpan<float> all = network.GetActivation(layerIndex);
            int batch = all.Length / shape.Size;
            if ((uint)sample >= (uint)batch)
            {
                throw new ArgumentOutOfRangeException(nameof(sample), sample, $"The last forward pass had {batch} sample(s).");
            }

            Save(all.Slice(sample * shape.Size, shape.Size), shape, path, title ?? $"Layer {layerIndex}: {layer.Description} ({shape})", columns);
        }
    }
}
