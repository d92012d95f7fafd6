using System;

namespace CnnGen.Kernels
{
    /// <summary>An image copied into the middle of larger, zero-bordered planes, so that a padded convolution can read every
    /// window without bounds checks. The border is cleared once per call by the caller; each image then overwrites only the
    /// middle, which leaves the border zero.</summary>
    internal static unsafe class BorderedImage
    {
        /// <summary>Copies the <paramref name="g"/>.Channels planes of <paramref name="image"/> (H x W each) to
        /// <paramref name="bordered"/>, whose planes are <paramref name="planeSize"/> floats of rows <paramref name="pitch"/>
        /// floats long, each starting <c>Pad</c> rows and columns in.</summary>
        public static void CopyInterior(in ConvGeometry g, float* image, float* bordered, int pitch, long planeSize)
        {
            int h = g.Height, w = g.Width, p = g.Pad;
            for (int c = 0; c < g.Channels; c++)
            {
                float* plane = bordered + c * planeSize + (long)p * pitch + p;
                for (int r = 0; r < h; r++)
                {
                    new ReadOnlySpan<float>(image + ((long)c * h + r) * w, w).CopyTo(new Span<float>(plane + (long)r * pitch, w));
                }
            }
        }
    }
}
