using System;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The notes' im2col/col2im for one image, in the layout that makes convolution one product
    /// <c>W (FN x CFF) * col (CFF x OH*OW)</c>: row <c>(c, ky, kx)</c>, column <c>(oy, ox)</c>.
    /// col2im is the exact adjoint of im2col: overlapping windows add up.
    /// </summary>
    public static class Im2Col
    {
        /// <summary>Unfolds one image <paramref name="x"/> (C x H x W) into <paramref name="col"/> (CFF x OH*OW); padding reads as zero.</summary>
        public static void Unfold(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col)
        {
            Guard.AtLeast(x.Length, g.InputSize, nameof(x));
            Guard.AtLeast(col.Length, g.ColumnSize, nameof(col));
            int k = g.Kernel, s = g.Stride, p = g.Pad, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
            if (s == 1 && p == 0)
            {
                UnfoldValid(g, x, col);
                return;
            }

            int row = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                ReadOnlySpan<float> plane = x.Slice(c * h * w, h * w);
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, row++)
                    {
                        Span<float> dst = col.Slice(row * oh * ow, oh * ow);
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * s - p + ky;
                            Span<float> dstRow = dst.Slice(oy * ow, ow);
                            if ((uint)iy >= (uint)h)
                            {
                                dstRow.Clear();
                                continue;
                            }

                            ReadOnlySpan<float> srcRow = plane.Slice(iy * w, w);
                            if (s == 1)
                            {
                                // Contiguous run: copy the in-range part, zero the padded ends.
                                int ix0 = kx - p;
                                int first = Math.Max(0, -ix0);
                                int last = Math.Min(ow, w - ix0); // exclusive
                                if (last <= first)
                                {
                                    dstRow.Clear();
                                    continue;
                                }

                                dstRow.Slice(0, first).Clear();
                                srcRow.Slice(ix0 + first, last - first).CopyTo(dstRow.Slice(first));
                                dstRow.Slice(last).Clear();
                            }
                            else
                            {
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int ix = ox * s - p + kx;
                                    dstRow[ox] = (uint)ix < (uint)w ? srcRow[ix] : 0f;
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>Stride 1 without padding: every column-matrix row is <c>OutHeight</c> runs of <c>OutWidth</c> contiguous
        /// inputs, copied with vector moves (the lengths were validated by the caller).</summary>
        private static unsafe void UnfoldValid(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col)
        {
            int k = g.Kernel, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
            fixed (float* xp = x)
            fixed (float* cp = col)
            {
                float* dst = cp;
                for (int c = 0; c < g.Channels; c++)
                {
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++)
                        {
                            float* src = xp + (long)c * h * w + ky * w + kx;
                            for (int oy = 0; oy < oh; oy++, src += w, dst += ow) CopyRun(src, dst, ow);
                        }
                    }
                }
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static unsafe void CopyRun(float* src, float* dst, int count)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= count; j += 16) Vector512.Store(Vector512.Load(src + j), dst + j);
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
            }

            for (; j < count; j++) dst[j] = src[j];
        }

        /// <summary>Folds <paramref name="col"/> back into one image, <b>adding</b> into <paramref name="x"/>
        /// (clear it first for a plain col2im). Entries that fall into the padding are dropped.</summary>
        public static void FoldAdd(in ConvGeometry g, ReadOnlySpan<float> col, Span<float> x)
        {
            Guard.AtLeast(x.Length, g.InputSize, nameof(x));
            Guard.AtLeast(col.Length, g.ColumnSize, nameof(col));
            int k = g.Kernel, s = g.Stride, p = g.Pad, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
            int row = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                Span<float> plane = x.Slice(c * h * w, h * w);
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, row++)
                    {
                        ReadOnlySpan<float> src = col.Slice(row * oh * ow, oh * ow);
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * s - p + ky;
                            if ((uint)iy >= (uint)h) continue;
                            Span<float> dstRow = plane.Slice(iy * w, w);
                            ReadOnlySpan<float> srcRow = src.Slice(oy * ow, ow);
                            if (s == 1)
                            {
                                int ix0 = kx - p;
                                int first = Math.Max(0, -ix0);
                                int last = Math.Min(ow, w - ix0);
                                if (last <= first) continue;
                                Span<float> d = dstRow.Slice(ix0 + first, last - first);
                                System.Numerics.Tensors.TensorPrimitives.Add(d, srcRow.Slice(first, last - first), d);
                            }
                            else
                            {
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int ix = ox * s - p + kx;
                                    if ((uint)ix < (uint)w) dstRow[ix] += srcRow[ox];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
