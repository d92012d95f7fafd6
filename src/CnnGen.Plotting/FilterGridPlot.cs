using System;
using System.Collections.Generic;

namespace CnnGen.Plotting
{
    /// <summary>
    /// Draws the filters of a convolution layer as a grid of grey images (the notes' <c>filter_show</c>):
    /// the weights have the shape <c>(FN, C, FH, FW)</c> and each filter's slice of one input channel is one image,
    /// large weights dark and small weights light.
    /// </summary>
    public static class FilterGridPlot
    {
        /// <summary>Saves the filters of <paramref name="weights"/> (a convolution weight, shape <c>FN x C x FH x FW</c>) as a PNG grid.</summary>
        /// <param name="weights">The convolution weights, for example <c>net.W1</c>.</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title, or null for none.</param>
        /// <param name="channel">The input channel to draw (0 for grey-scale inputs).</param>
        /// <param name="columns">Filters per grid row; 0 picks a near-square grid (at most 10 columns).</param>
        /// <exception cref="ArgumentNullException"><paramref name="weights"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="weights"/> does not have four dimensions.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="channel"/> is not an input channel of the filters.</exception>
        public static void Save(Parameter weights, string path, string? title = null, int channel = 0, int columns = 0)
        {
            ArgumentNullException.ThrowIfNull(weights);
            if (weights.Shape.Count != 4)
            {
                throw new ArgumentException($"Convolution weights have the shape FN x C x FH x FW; '{weights.Name}' is {weights.ShapeText}.", nameof(weights));
            }

            int filters = weights.Shape[0], channels = weights.Shape[1], height = weights.Shape[2], width = weights.Shape[3];
            if ((uint)channel >= (uint)channels)
            {
                throw new ArgumentOutOfRangeException(nameof(channel), channel, $"'{weights.Name}' has {channels} input channel(s).");
            }

            ImageGridPlot.Save(Slice(weights.Values, filters, channels, height, width, channel), height, width, path, title, columns, invert: true);
        }

        /// <summary>The <c>FH x FW</c> image of each filter for input channel <paramref name="channel"/>, copied.</summary>
        private static List<float[]> Slice(float[] values, int filters, int channels, int height, int width, int channel)
        {
            int size = height * width;
            var images = new List<float[]>(filters);
            for (int f = 0; f < filters; f++)
            {
                images.Add(values.AsSpan((f * channels + channel) * size, size).ToArray());
            }

            return images;
        }
    }
}
