using System;

namespace CnnGen.Metrics
{
    /// <summary>
    /// An axis-aligned box in continuous coordinates, given by its corners: <c>(Left, Top)</c> and
    /// <c>(Right, Bottom)</c>, with <c>Right &gt;= Left</c> and <c>Bottom &gt;= Top</c> for a valid box.
    /// Width is <c>Right - Left</c> (no "+1 pixel" convention).
    /// </summary>
    /// <param name="Left">Smallest x.</param>
    /// <param name="Top">Smallest y.</param>
    /// <param name="Right">Largest x.</param>
    /// <param name="Bottom">Largest y.</param>
    public readonly record struct BoundingBox(float Left, float Top, float Right, float Bottom)
    {
        /// <summary>Creates a box from its top-left corner and its size.</summary>
        /// <param name="left">Smallest x.</param>
        /// <param name="top">Smallest y.</param>
        /// <param name="width">Width, <c>Right - Left</c>.</param>
        /// <param name="height">Height, <c>Bottom - Top</c>.</param>
        /// <returns>The box.</returns>
        public static BoundingBox FromSize(float left, float top, float width, float height) => new(left, top, left + width, top + height);

        /// <summary>Right minus left; negative for an invalid box.</summary>
        public float Width => Right - Left;

        /// <summary>Bottom minus top; negative for an invalid box.</summary>
        public float Height => Bottom - Top;

        /// <summary>Width times height, computed in double; 0 when either side is negative.</summary>
        public double Area => Math.Max(0.0, (double)Right - Left) * Math.Max(0.0, (double)Bottom - Top);

        /// <summary>Whether all coordinates are finite and neither side is negative (a zero-size box is valid).</summary>
        public bool IsValid => float.IsFinite(Left) && float.IsFinite(Top) && float.IsFinite(Right) && float.IsFinite(Bottom) && Right >= Left && Bottom >= Top;

        /// <summary>
        /// Intersection over union of two boxes: area(a ∩ b) / area(a ∪ b), in [0, 1], computed in double.
        /// Boxes that only touch have IoU 0; two zero-area boxes have IoU 0.
        /// </summary>
        /// <param name="a">First box.</param>
        /// <param name="b">Second box.</param>
        /// <returns>The IoU.</returns>
        public static double Iou(BoundingBox a, BoundingBox b)
        {
            double iw = Math.Min((double)a.Right, b.Right) - Math.Max((double)a.Left, b.Left);
            double ih = Math.Min((double)a.Bottom, b.Bottom) - Math.Max((double)a.Top, b.Top);
            if (iw <= 0 || ih <= 0) return 0.0;
            double inter = iw * ih;
            double union = a.Area + b.Area - inter;
            return union <= 0 ? 0.0 : inter / union;
        }

        /// <summary>Intersection over union with <paramref name="other"/>; see <see cref="Iou(BoundingBox, BoundingBox)"/>.</summary>
        /// <param name="other">The other box.</param>
        /// <returns>The IoU.</returns>
        public double Iou(BoundingBox other) => Iou(this, other);
    }
}
