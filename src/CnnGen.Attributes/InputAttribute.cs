using System;

namespace CnnGen
{
    /// <summary>
    /// Declares the shape of one input image, <c>channels x height x width</c> (batched NCHW at run time).
    /// Every dimension must be at least 1 (CNN003). Exactly one per network.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Creates the input declaration.</summary>
        public InputAttribute(int channels, int height, int width)
        {
            Channels = channels;
            Height = height;
            Width = width;
        }

        /// <summary>Number of channels C (1 for grey images, 3 for RGB).</summary>
        public int Channels { get; }

        /// <summary>Image height H.</summary>
        public int Height { get; }

        /// <summary>Image width W.</summary>
        public int Width { get; }
    }
}
