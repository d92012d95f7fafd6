using System;
using System.Collections.Generic;
using System.IO;
using ScottPlot;

namespace CnnGen.Plotting
{
    /// <summary>
    /// Draws small grey-scale images (filters, feature maps, input samples) side by side in a grid and saves
    /// the grid as a PNG file. Each image is stretched on its own to the full grey range, as
    /// matplotlib's <c>imshow</c> does, and drawn with nearest-neighbour pixels.
    /// </summary>
    public static class ImageGridPlot
    {
        /// <summary>Screen pixels per image pixel at most; small images (5x5 filters) are enlarged.</summary>
        private const int MaxScale = 24;

        /// <summary>Saves <paramref name="images"/> (each <paramref name="height"/> x <paramref name="width"/>, row-major) as a grid.</summary>
        /// <param name="images">The images, row-major, each of <c>height * width</c> values.</param>
        /// <param name="height">Rows of every image.</param>
        /// <param name="width">Columns of every image.</param>
        /// <param name="path">Output file; its folder must exist. Overwritten if present.</param>
        /// <param name="title">Picture title, or null for none.</param>
        /// <param name="columns">Images per grid row; 0 picks about the square root of the image count (at most 10).</param>
        /// <param name="invert">True draws large values dark and small values light (matplotlib's <c>gray_r</c>, the notes' filter pictures).</param>
        /// <exception cref="ArgumentNullException"><paramref name="images"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException">An image does not have <c>height * width</c> values, or there is no image.</exception>
        public static void Save(IReadOnlyList<float[]> images, int height, int width, string path, string? title = null, int columns = 0, bool invert = false)
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(path);
            ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(columns);
            if (images.Count == 0) throw new ArgumentException("There is no image to draw.", nameof(images));
            for (int i = 0; i < images.Count; i++)
            {
                ArgumentNullException.ThrowIfNull(images[i]);
                if (images[i].Length != height * width)
                {
                    throw new ArgumentException($"Image {i} has {images[i].Length} values, expected {height}x{width} = {height * width}.", nameof(images));
                }
            }

            int count = images.Count;
            int cols = columns > 0 ? Math.Min(columns, count) : Math.Min(10, (int)Math.Ceiling(Math.Sqrt(count)));
            int rows = (count + cols - 1) / cols;

            // One mosaic with a one-pixel gap between images; gaps are NaN and drawn in the background colour.
            int gap = 1;
            int mosaicRows = rows * height + (rows - 1) * gap;
            int mosaicCols = cols * width + (cols - 1) * gap;
            var mosaic = new double[mosaicRows, mosaicCols];
            for (int r = 0; r < mosaicRows; r++)
            {
                for (int c = 0; c < mosaicCols; c++) mosaic[r, c] = double.NaN;
            }

            for (int i = 0; i < count; i++)
            {
                float[] image = images[i];
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                foreach (float v in image)
                {
                    if (v < min) min = v;
                    if (v > max) max = v;
                }

                double span = max - min;
                int top = i / cols * (height + gap);
                int left = i % cols * (width + gap);
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        double t = span > 0 ? (image[y * width + x] - min) / span : 0.0;
                        mosaic[top + y, left + x] = invert ? 1.0 - t : t;
                    }
                }
            }

            int scale = Math.Clamp(640 / Math.Max(mosaicCols, mosaicRows), 1, MaxScale);
            int titleSpace = string.IsNullOrEmpty(title) ? 0 : 40;
            int pixelWidth = Math.Max(mosaicCols * scale, 200);
            int pixelHeight = mosaicRows * scale * pixelWidth / (mosaicCols * scale) + titleSpace;

            var plot = new Plot();
            var heatmap = plot.Add.Heatmap(mosaic);
            heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
            heatmap.NaNCellColor = Colors.White;
            heatmap.Smooth = false;
            heatmap.Rectangle = new CoordinateRect(0, mosaicCols, 0, mosaicRows);
            plot.Axes.SetLimits(0, mosaicCols, 0, mosaicRows);
            plot.Axes.Frameless();
            plot.HideGrid();
            if (!string.IsNullOrEmpty(title))
            {
                plot.Title(title);
                plot.Axes.Title.Label.FontSize = 14;
                plot.Layout.Fixed(new PixelPadding(0, 0, 0, titleSpace));
            }
            else
            {
                plot.Layout.Fixed(new PixelPadding(0, 0, 0, 0));
            }

            plot.SavePng(Path.GetFullPath(path), pixelWidth, pixelHeight);
        }
    }
}
