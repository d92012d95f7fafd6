using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

            if (s == 1 && MaskedRows)
            {
                UnfoldStride1(g, x, col);
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

        /// <summary>Whether stride-1 rows are moved with masked AVX-512 loads and stores: a row of the column matrix is a run of
        /// an input row with zeros where the window hangs over the padding, one masked load per sixteen outputs. (Slicing,
        /// clearing and copying each row's three parts took as long as the product that follows: 43 us to unfold one
        /// 32-channel 16x16 image for a 3x3 convolution, against 30 us for its filter-gradient product.)</summary>
        private static bool MaskedRows => KernelDispatch.Level == SimdLevel.Avx512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

        /// <summary>The lanes <c>j</c> of a sixteen-wide run starting <paramref name="start"/> floats into a row of
        /// <paramref name="width"/> (possibly before it, for padding) that fall inside the row, and below <paramref name="lanes"/>.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> InsideRow(int start, int width, int lanes)
        {
            Vector512<int> at = Vector512<int>.Indices + Vector512.Create(start);
            return (Vector512.GreaterThanOrEqual(at, Vector512<int>.Zero) & Vector512.LessThan(at, Vector512.Create(width))
                & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes))).AsSingle();
        }

        /// <summary>Stride 1 with padding, AVX-512: each row of the column matrix is sixteen outputs at a time of one masked load
        /// (lanes over the padding read as zero and touch no memory) and one store.</summary>
        private static unsafe void UnfoldStride1(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col)
        {
            int k = g.Kernel, p = g.Pad, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
            fixed (float* xp = x)
            fixed (float* cp = col)
            {
                float* dst = cp;
                for (int c = 0; c < g.Channels; c++)
                {
                    float* plane = xp + (long)c * h * w;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++)
                        {
                            int ix0 = kx - p;
                            for (int oy = 0; oy < oh; oy++, dst += ow)
                            {
                                int iy = oy - p + ky;
                                bool inside = (uint)iy < (uint)h;
                                float* src = plane + (long)(inside ? iy : 0) * w + ix0;
                                for (int j = 0; j < ow; j += 16)
                                {
                                    int lanes = Math.Min(16, ow - j);
                                    Vector512<float> v = inside ? Avx512F.MaskLoad(src + j, InsideRow(ix0 + j, w, lanes), Vector512<float>.Zero) : Vector512<float>.Zero;
                                    if (lanes == 16) Vector512.Store(v, dst + j);
                                    else Avx512F.MaskStore(dst + j, InsideRow(j, ow, lanes), v);
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
            if (s == 1 && MaskedRows)
            {
                FoldAddStride1(g, col, x);
                return;
            }

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

        /// <summary>Stride 1, AVX-512: each row of the column matrix is added into its input row sixteen at a time, the lanes
        /// over the padding masked off (the same additions in the same order as the general loop).</summary>
        private static unsafe void FoldAddStride1(in ConvGeometry g, ReadOnlySpan<float> col, Span<float> x)
        {
            int k = g.Kernel, p = g.Pad, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
            fixed (float* xp = x)
            fixed (float* cp = col)
            {
                float* src = cp;
                for (int c = 0; c < g.Channels; c++)
                {
                    float* plane = xp + (long)c * h * w;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++)
                        {
                            int ix0 = kx - p;
                            for (int oy = 0; oy < oh; oy++, src += ow)
                            {
                                int iy = oy - p + ky;
                                if ((uint)iy >= (uint)h) continue;
                                float* dst = plane + (long)iy * w + ix0;
                                for (int j = 0; j < ow; j += 16)
                                {
                                    Vector512<float> mask = InsideRow(ix0 + j, w, Math.Min(16, ow - j));
                                    Vector512<float> sum = Avx512F.MaskLoad(dst + j, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero);
                                    Avx512F.MaskStore(dst + j, mask, sum);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
