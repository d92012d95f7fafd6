using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Register-blocked direct convolution with AVX-512 for stride 1 and no padding: one block is six filters times
    /// four output rows times sixteen output columns (24 accumulators), so each loaded input vector feeds six FMAs and
    /// each broadcast weight four. Blocks that do not divide the output evenly are shifted back to overlap the previous
    /// block (they recompute a few outputs with identical results), which keeps every block full width; a last strip of
    /// at most eight columns is computed two rows per vector instead. For an inference pass followed by ReLU and a 2x2
    /// max pool, each block is pooled in registers before it is stored.
    /// The filter gradient, <c>dW[f, t] = sum over images and output positions of dy[f, p] col[t, p]</c>, is a product
    /// with a long inner dimension computed in the dot-product form: five filters times five patch rows (25
    /// accumulators) per block, vector partial sums kept across images and reduced once at the end.
    /// </summary>
    internal static unsafe class ConvDirectWide
    {
        private const int FB = 6, RB = 4, VW = 16;

        /// <summary>Whether the forward kernel takes <paramref name="g"/>.</summary>
        public static bool AppliesForward(in ConvGeometry g) =>
            g.Stride == 1 && g.Pad == 0 && g.Kernel > 1 && g.OutWidth >= VW && g.OutHeight >= RB && g.Filters >= FB &&
            (g.PatchSize <= 64 || (g.PatchSize <= 512 && g.Filters <= 64)) &&
            KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        /// <summary>
        /// Whether a padded, stride-1 convolution goes through <see cref="ForwardPadded"/>: its input copied into a
        /// zero-bordered buffer, the forward kernel takes it as an unpadded one.
        /// </summary>
        public static bool AppliesForwardPadded(in ConvGeometry g) =>
            g.Pad > 0 && g.Stride == 1 && AppliesForward(Padded(g));

        /// <summary>The same layer over the zero-bordered input, without padding.</summary>
        public static ConvGeometry Padded(in ConvGeometry g) =>
            new(g.Channels, g.Height + 2 * g.Pad, g.Width + 2 * g.Pad, g.Filters, g.Kernel, 1, 0);

        /// <summary>
        /// Whether <see cref="ForwardFlat"/> takes <paramref name="g"/>: stride 1, output rows narrower than a vector but
        /// the output plane, laid over the (padded) input's row pitch, at least a block of vectors, and at most twice
        /// the work of the exact plane.
        /// </summary>
        public static bool AppliesForwardFlat(in ConvGeometry g)
        {
            if (g.Stride != 1 || g.Kernel == 1 || g.OutWidth >= VW || g.Filters < FB ||
                !(g.PatchSize <= 64 || (g.PatchSize <= 512 && g.Filters <= 64)) ||
                KernelDispatch.Level < SimdLevel.Avx512 || !Vector512.IsHardwareAccelerated)
            {
                return false;
            }

            int pitch = g.Width + 2 * g.Pad;
            return g.OutHeight * pitch >= RB * VW && pitch <= 2 * g.OutWidth;
        }

        /// <summary>Floats of scratch the direct kernels need for <paramref name="g"/> on one thread (zero-bordered copy,
        /// row-pitch planes or partial sums), so callers can hand each participant its own region up front.</summary>
        public static int ScratchSize(in ConvGeometry g)
        {
            int size = 0;
            if (AppliesForwardPadded(g)) size = Math.Max(size, Padded(g).InputSize);
            if (AppliesForwardFlat(g)) size = Math.Max(size, FlatSize(g, out _, out _));
            if (AppliesFilterGradient(g)) size = Math.Max(size, g.Filters * g.PatchSize * VW);
            // The filters-in-lanes and Winograd kernels run where these do, with the same per-thread scratch.
            size = Math.Max(size, ConvFiltersInLanes.ScratchSize(g));
            size = Math.Max(size, ConvWinograd.ScratchSize(g));
            return size;
        }

        /// <summary>Scratch of <see cref="ForwardFlat"/>: the zero-bordered input plus slack, then the output planes.</summary>
        private static int FlatSize(in ConvGeometry g, out int inSize, out int flatPlane)
        {
            int pitch = g.Width + 2 * g.Pad, inPlane = (g.Height + 2 * g.Pad) * pitch;
            int rows = (g.OutHeight * pitch + VW - 1) / VW;
            flatPlane = rows * VW;
            inSize = g.Channels * inPlane + flatPlane + VW; // slack: the last vectors read past the last window
            return inSize + g.Filters * flatPlane;
        }

        /// <summary>
        /// One image whose output rows are narrower than a vector: the output plane is computed over the (zero-bordered)
        /// input's row pitch as one run of vectors (output <c>q = oy * pitch + ox</c> reads inputs from <c>q</c> on), then
        /// the <c>ox &lt; ow</c> columns are copied out.
        /// </summary>
        public static void ForwardFlat(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y,
            Span<float> scratch)
        {
            int p = g.Pad, h = g.Height, w = g.Width, pitch = w + 2 * p, ph = h + 2 * p, inPlane = ph * pitch;
            int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, channels = g.Channels, patch = g.PatchSize, filters = g.Filters;
            int size = FlatSize(g, out int inSize, out int flatPlane);
            Span<float> buffer = scratch.Slice(0, size);
            Span<float> input = buffer.Slice(0, inSize);
            input.Clear();
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> src = x.Slice(c * h * w, h * w);
                Span<float> plane = input.Slice(c * inPlane, inPlane);
                for (int r = 0; r < h; r++) src.Slice(r * w, w).CopyTo(plane.Slice((p + r) * pitch + p, w));
            }

            int* offsets = stackalloc int[patch];
            for (int c = 0, t = 0; c < channels; c++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, t++) offsets[t] = c * inPlane + ky * pitch + kx;
                }
            }

            fixed (float* xp = buffer)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            {
                float* flat = xp + inSize;
                Core(xp, offsets, patch, wp, bias.IsEmpty ? null : bp, filters, flat, flatPlane, flatPlane / VW, VW, VW, VW);
                for (int f = 0; f < filters; f++)
                {
                    for (int oy = 0; oy < oh; oy++)
                    {
                        new ReadOnlySpan<float>(flat + (long)f * flatPlane + oy * pitch, ow).CopyTo(y.Slice((f * oh + oy) * ow, ow));
                    }
                }
            }
        }

        /// <summary>One image of a padded convolution: copies it into a zero-bordered buffer (in <paramref name="scratch"/>)
        /// and runs <see cref="Forward"/>.</summary>
        public static void ForwardPadded(in ConvGeometry g, in ConvGeometry padded, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch, bool relu = false)
        {
            Span<float> dst = scratch.Slice(0, padded.InputSize);
            int h = g.Height, w = g.Width, p = g.Pad, pw = padded.Width, ph = padded.Height;
            // The border is all zeros in every image; clear it (cheap) rather than rely on what an earlier shape left.
            for (int c = 0; c < g.Channels; c++)
            {
                Span<float> plane = dst.Slice(c * ph * pw, ph * pw);
                plane.Slice(0, p * pw).Clear();
                plane.Slice((p + h) * pw).Clear();
                ReadOnlySpan<float> src = x.Slice(c * h * w, h * w);
                for (int r = 0; r < h; r++)
                {
                    Span<float> row = plane.Slice((p + r) * pw, pw);
                    row.Slice(0, p).Clear();
                    src.Slice(r * w, w).CopyTo(row.Slice(p));
                    row.Slice(p + w).Clear();
                }
            }

            Forward(padded, dst, weights, bias, y, relu);
        }

        /// <summary>One image: <c>y[f] = b[f] + sum over c, ky, kx of W[f,c,ky,kx] x[c, . + ky, . + kx]</c>, rectified as it is stored
        /// when <paramref name="relu"/> is set.</summary>
        public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y,
            bool relu = false)
        {
            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width, k = g.Kernel, channels = g.Channels, inPlane = g.Height * g.Width;
            int patch = g.PatchSize, filters = g.Filters, outPlane = oh * ow;
            bool hasBias = !bias.IsEmpty;
            // Input offsets of the patch taps, relative to the window's top-left corner.
            int* offsets = stackalloc int[patch];
            for (int c = 0, t = 0; c < channels; c++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, t++) offsets[t] = c * inPlane + ky * w + kx;
                }
            }

            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            {
                Core(xp, offsets, patch, wp, hasBias ? bp : null, filters, yp, outPlane, oh, ow, w, ow, relu: relu);
            }
        }

        /// <summary>Whether <see cref="ForwardReluMaxPool"/> takes the convolution <paramref name="g"/> followed by ReLU and the
        /// max pool <paramref name="pool"/>: the forward kernel applies, the pool is 2x2 with stride 2 over even sizes.</summary>
        public static bool PoolsInRegisters(in ConvGeometry g, in ConvGeometry pool) =>
            AppliesForward(g) && Avx512F.IsSupported && pool.Kernel == 2 && pool.Stride == 2 && pool.Pad == 0
            && g.OutHeight % 2 == 0 && g.OutWidth % 2 == 0 && pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2;

        /// <summary><c>y = maxpool2x2(relu(conv(x)))</c> for one image: every register block is pooled before it is stored, so
        /// the convolution's output is never written (y is a quarter of it). With <paramref name="winners"/> (training), each
        /// window's winner code too, as <see cref="Pooling.MaxReluForward(in ConvGeometry, int, ReadOnlySpan{float}, Span{float}, Span{byte})"/>
        /// writes them for the convolution's stored output, bit for bit.</summary>
        public static void ForwardReluMaxPool(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y,
            Span<byte> winners = default)
        {
            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width, k = g.Kernel, channels = g.Channels, inPlane = g.Height * g.Width;
            int patch = g.PatchSize;
            int* offsets = stackalloc int[patch];
            for (int c = 0, t = 0; c < channels; c++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, t++) offsets[t] = c * inPlane + ky * w + kx;
                }
            }

            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (byte* cp = winners)
            {
                Core(xp, offsets, patch, wp, bias.IsEmpty ? null : bp, g.Filters, null, oh * ow, oh, ow, w, ow, yp, winners: winners.IsEmpty ? null : cp);
            }
        }

        /// <summary>
        /// The register-blocked loop: <c>oh</c> rows of <c>ow</c> outputs (<c>ow</c> and <c>oh</c> at least one vector and one
        /// block), input row <c>r</c> at <c>xp + r * inRow</c>, output row <c>r</c> of filter <c>f</c> at
        /// <c>yp + f * outPlane + r * outRow</c>, tap <c>t</c> of a window at <c>offsets[t]</c> from its first input.
        /// </summary>
        private static void Core(float* xp, int* offsets, int patch, float* wp, float* bp, int filters, float* yp, int outPlane,
            int oh, int ow, int w, int outRow, float* pooled = null, bool relu = false, byte* winners = null)
        {
            // A last strip of at most eight columns (24 = 16 + 8, for example) is not computed by a shifted-back sixteen-wide
            // block, which would redo up to half of it: two rows' eight columns share one vector instead (PairedRowsTail).
            int tail = ow % VW;
            bool pairedTail = tail > 0 && tail <= VW / 2 && oh >= 2 * RB;
            // Filters go six at a time. A count that leaves four or two over (16 and 32, say) ends in groups of four, not in a
            // last group of six shifted back over filters already computed, which redid an eighth of a 16- or 32-filter layer.
            int rest = filters % FB;
            if (!pairedTail && filters >= 8 && (rest == 4 || rest == 2))
            {
                int sixes = filters / FB - (rest == 2 ? 1 : 0);
                FilterGroups<Six>(xp, offsets, patch, wp, bp, 0, sixes * FB, yp, outPlane, oh, ow, w, outRow, pooled, relu, false, winners);
                FilterGroups<Four>(xp, offsets, patch, wp, bp, sixes * FB, filters, yp, outPlane, oh, ow, w, outRow, pooled, relu, false, winners);
                return;
            }

            FilterGroups<Six>(xp, offsets, patch, wp, bp, 0, filters, yp, outPlane, oh, ow, w, outRow, pooled, relu, pairedTail, winners);
        }

        /// <summary><see cref="Core"/> for filters [<paramref name="fBegin"/>, <paramref name="fEnd"/>) in groups of
        /// <c>TFilters</c> (six or four: 24 or 16 accumulators), a last partial group shifted back to end at <paramref name="fEnd"/>.</summary>
        private static void FilterGroups<TFilters>(float* xp, int* offsets, int patch, float* wp, float* bp, int fBegin, int fEnd, float* yp,
            int outPlane, int oh, int ow, int w, int outRow, float* pooled, bool relu, bool pairedTail, byte* winners)
            where TFilters : struct, ICount
        {
            int fb = TFilters.Value;
            if (fEnd - fBegin < fb) return;
            // With pooled set, blocks are not stored: each one's 2x2 windows are reduced in registers (ReLU applied) and
            // written to pooled, (oh / 2) x (ow / 2) per filter; the caller guarantees even sizes (PoolsInRegisters).
            int pooledRow = ow / 2, pooledPlane = (oh / 2) * pooledRow;
            bool hasBias = bp != null;
            int mainWidth = pairedTail ? ow - ow % VW : ow;
            {
                for (int f0 = fBegin; ; f0 += fb)
                {
                    if (f0 + fb > fEnd) f0 = fEnd - fb;
                    float* w0 = wp + (long)f0 * patch;
                    Vector512<float> b0 = Vector512<float>.Zero, b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0;
                    if (hasBias)
                    {
                        b0 = Vector512.Create(bp[f0]); b1 = Vector512.Create(bp[f0 + 1]); b2 = Vector512.Create(bp[f0 + 2]);
                        b3 = Vector512.Create(bp[f0 + 3]);
                        if (fb > 4)
                        {
                            b4 = Vector512.Create(bp[f0 + 4]); b5 = Vector512.Create(bp[f0 + 5]);
                        }
                    }

                    for (int oy = 0; ; oy += RB)
                    {
                        if (oy + RB > oh) oy = oh - RB;
                        for (int j = 0; ; j += VW)
                        {
                            if (j + VW > mainWidth) j = mainWidth - VW;
                            float* x0 = xp + oy * w + j;
                            Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
                            Vector512<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
                            Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
                            Vector512<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
                            Vector512<float> a40 = b4, a41 = b4, a42 = b4, a43 = b4;
                            Vector512<float> a50 = b5, a51 = b5, a52 = b5, a53 = b5;
                            float* wt = w0;
                            for (int t = 0; t < patch; t++, wt++)
                            {
                                float* xs = x0 + offsets[t];
                                Vector512<float> v0 = Vector512.Load(xs), v1 = Vector512.Load(xs + w);
                                Vector512<float> v2 = Vector512.Load(xs + 2 * w), v3 = Vector512.Load(xs + 3 * w);
                                Vector512<float> c = Vector512.Create(wt[0]);
                                a00 = Vector512.FusedMultiplyAdd(v0, c, a00); a01 = Vector512.FusedMultiplyAdd(v1, c, a01);
                                a02 = Vector512.FusedMultiplyAdd(v2, c, a02); a03 = Vector512.FusedMultiplyAdd(v3, c, a03);
                                c = Vector512.Create(wt[patch]);
                                a10 = Vector512.FusedMultiplyAdd(v0, c, a10); a11 = Vector512.FusedMultiplyAdd(v1, c, a11);
                                a12 = Vector512.FusedMultiplyAdd(v2, c, a12); a13 = Vector512.FusedMultiplyAdd(v3, c, a13);
                                c = Vector512.Create(wt[2 * patch]);
                                a20 = Vector512.FusedMultiplyAdd(v0, c, a20); a21 = Vector512.FusedMultiplyAdd(v1, c, a21);
                                a22 = Vector512.FusedMultiplyAdd(v2, c, a22); a23 = Vector512.FusedMultiplyAdd(v3, c, a23);
                                c = Vector512.Create(wt[3 * patch]);
                                a30 = Vector512.FusedMultiplyAdd(v0, c, a30); a31 = Vector512.FusedMultiplyAdd(v1, c, a31);
                                a32 = Vector512.FusedMultiplyAdd(v2, c, a32); a33 = Vector512.FusedMultiplyAdd(v3, c, a33);
                                if (fb > 4)
                                {
                                    c = Vector512.Create(wt[4 * patch]);
                                    a40 = Vector512.FusedMultiplyAdd(v0, c, a40); a41 = Vector512.FusedMultiplyAdd(v1, c, a41);
                                    a42 = Vector512.FusedMultiplyAdd(v2, c, a42); a43 = Vector512.FusedMultiplyAdd(v3, c, a43);
                                    c = Vector512.Create(wt[5 * patch]);
                                    a50 = Vector512.FusedMultiplyAdd(v0, c, a50); a51 = Vector512.FusedMultiplyAdd(v1, c, a51);
                                    a52 = Vector512.FusedMultiplyAdd(v2, c, a52); a53 = Vector512.FusedMultiplyAdd(v3, c, a53);
                                }
                            }

                            if (pooled != null && winners != null)
                            {
                                long at = (long)f0 * pooledPlane + oy / 2 * pooledRow + j / 2;
                                float* p0 = pooled + at;
                                byte* q0 = winners + at;
                                PoolStore4(p0, q0, pooledRow, a00, a01, a02, a03); p0 += pooledPlane; q0 += pooledPlane;
                                PoolStore4(p0, q0, pooledRow, a10, a11, a12, a13); p0 += pooledPlane; q0 += pooledPlane;
                                PoolStore4(p0, q0, pooledRow, a20, a21, a22, a23); p0 += pooledPlane; q0 += pooledPlane;
                                PoolStore4(p0, q0, pooledRow, a30, a31, a32, a33); p0 += pooledPlane; q0 += pooledPlane;
                                if (fb > 4)
                                {
                                    PoolStore4(p0, q0, pooledRow, a40, a41, a42, a43); p0 += pooledPlane; q0 += pooledPlane;
                                    PoolStore4(p0, q0, pooledRow, a50, a51, a52, a53);
                                }

                                if (j + VW >= mainWidth) break;
                                continue;
                            }

                            if (pooled != null)
                            {
                                float* p0 = pooled + (long)f0 * pooledPlane + oy / 2 * pooledRow + j / 2;
                                PoolStore4(p0, pooledRow, a00, a01, a02, a03); p0 += pooledPlane;
                                PoolStore4(p0, pooledRow, a10, a11, a12, a13); p0 += pooledPlane;
                                PoolStore4(p0, pooledRow, a20, a21, a22, a23); p0 += pooledPlane;
                                PoolStore4(p0, pooledRow, a30, a31, a32, a33); p0 += pooledPlane;
                                if (fb > 4)
                                {
                                    PoolStore4(p0, pooledRow, a40, a41, a42, a43); p0 += pooledPlane;
                                    PoolStore4(p0, pooledRow, a50, a51, a52, a53);
                                }

                                if (j + VW >= mainWidth) break;
                                continue;
                            }

                            float* y0 = yp + (long)f0 * outPlane + oy * outRow + j;
                            Store4(y0, outRow, a00, a01, a02, a03, relu); y0 += outPlane;
                            Store4(y0, outRow, a10, a11, a12, a13, relu); y0 += outPlane;
                            Store4(y0, outRow, a20, a21, a22, a23, relu); y0 += outPlane;
                            Store4(y0, outRow, a30, a31, a32, a33, relu); y0 += outPlane;
                            if (fb > 4)
                            {
                                Store4(y0, outRow, a40, a41, a42, a43, relu); y0 += outPlane;
                                Store4(y0, outRow, a50, a51, a52, a53, relu);
                            }

                            if (j + VW >= mainWidth) break;
                        }

                        if (oy + RB >= oh) break;
                    }

                    if (pairedTail && fb == FB)
                    {
                        PairedRowsTail(xp, offsets, patch, w0, b0, b1, b2, b3, b4, b5, yp + (long)f0 * outPlane, outPlane, oh, ow, w, outRow,
                            pooled == null ? null : pooled + (long)f0 * pooledPlane, pooledPlane, pooledRow, relu,
                            winners == null ? null : winners + (long)f0 * pooledPlane);
                    }

                    if (f0 + fb >= fEnd) break;
                }
            }
        }

        /// <summary>Whether the filter gradient takes <paramref name="g"/>.</summary>
        public static bool AppliesFilterGradient(in ConvGeometry g) =>
            !(g.Kernel == 1 && g.Stride == 1 && g.Pad == 0) && g.WeightSize <= 4096 && g.OutPlane >= VW &&
            KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        /// <summary>Weight and bias gradients over the batch, <b>overwriting</b> both (the bias gradient may be empty).
        /// <paramref name="workspace"/> holds one image's column matrix; <paramref name="scratch"/> the partial sums.</summary>
        public static void FilterGradient(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace, Span<float> scratch)
        {
            fixed (float* dyp = dy)
            {
                FilterGradient(g, batch, x, Conv2D.OutputGradient.Stored(dyp, g.OutputSize), weightGradient, biasGradient, workspace, scratch);
            }
        }

        /// <summary><see cref="FilterGradient(in ConvGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float})"/>
        /// with each image's output gradient taken from <paramref name="dy"/> when its turn comes.</summary>
        internal static void FilterGradient(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Conv2D.OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace, Span<float> scratch)
        {
            int filters = g.Filters, patch = g.PatchSize, plane = g.OutPlane;
            int pairs = filters * patch;
            Span<float> partial = scratch.Slice(0, pairs * VW);
            partial.Clear();
            int full = plane / VW * VW;
            biasGradient.Clear();
            weightGradient.Clear();
            fixed (float* pp = partial)
            fixed (float* colp = workspace)
            fixed (float* dwp = weightGradient)
            {
                for (int n = 0; n < batch; n++)
                {
                    Im2Col.Unfold(g, x.Slice(n * g.InputSize, g.InputSize), workspace);
                    float* d = dy.Image(n);
                    int f0 = 0;
                    for (; f0 + 5 <= filters; f0 += 5)
                    {
                        int t0 = 0;
                        for (; t0 + 5 <= patch; t0 += 5)
                        {
                            Block5x5(pp + ((long)f0 * patch + t0) * VW, patch, d + (long)f0 * plane, colp + (long)t0 * plane, plane, full);
                        }

                        for (; t0 < patch; t0++)
                        {
                            for (int f = f0; f < f0 + 5; f++) Dot(pp + ((long)f * patch + t0) * VW, d + (long)f * plane, colp + (long)t0 * plane, full);
                        }
                    }

                    for (; f0 < filters; f0++)
                    {
                        for (int t = 0; t < patch; t++) Dot(pp + ((long)f0 * patch + t) * VW, d + (long)f0 * plane, colp + (long)t * plane, full);
                    }

                    if (full < plane)
                    {
                        for (int f = 0; f < filters; f++)
                        {
                            for (int t = 0; t < patch; t++)
                            {
                                float s = 0;
                                for (int q = full; q < plane; q++) s += d[(long)f * plane + q] * colp[(long)t * plane + q];
                                dwp[f * patch + t] += s;
                            }
                        }
                    }

                    Conv2D.AddPlaneSums(d, filters, plane, biasGradient);
                }

                for (int i = 0; i < pairs; i++) dwp[i] += Vector512.Sum(Vector512.Load(pp + (long)i * VW));
            }
        }

        private static void Dot(float* acc, float* a, float* b, int length)
        {
            Vector512<float> s = Vector512.Load(acc);
            for (int q = 0; q < length; q += VW) s = Vector512.FusedMultiplyAdd(Vector512.Load(a + q), Vector512.Load(b + q), s);
            s.Store(acc);
        }

        /// <summary>Partial sums of five rows of dy (stride <paramref name="plane"/>) against five rows of col, added to 25
        /// vectors at <paramref name="acc"/> (row f at <c>f * patch * 16</c>).</summary>
        private static void Block5x5(float* acc, int patch, float* d, float* col, int plane, int length)
        {
            long rs = (long)patch * VW;
            float* r0 = acc, r1 = acc + rs, r2 = acc + 2 * rs, r3 = acc + 3 * rs, r4 = acc + 4 * rs;
            Vector512<float> a00 = Vector512.Load(r0), a01 = Vector512.Load(r0 + 16), a02 = Vector512.Load(r0 + 32), a03 = Vector512.Load(r0 + 48), a04 = Vector512.Load(r0 + 64);
            Vector512<float> a10 = Vector512.Load(r1), a11 = Vector512.Load(r1 + 16), a12 = Vector512.Load(r1 + 32), a13 = Vector512.Load(r1 + 48), a14 = Vector512.Load(r1 + 64);
            Vector512<float> a20 = Vector512.Load(r2), a21 = Vector512.Load(r2 + 16), a22 = Vector512.Load(r2 + 32), a23 = Vector512.Load(r2 + 48), a24 = Vector512.Load(r2 + 64);
            Vector512<float> a30 = Vector512.Load(r3), a31 = Vector512.Load(r3 + 16), a32 = Vector512.Load(r3 + 32), a33 = Vector512.Load(r3 + 48), a34 = Vector512.Load(r3 + 64);
            Vector512<float> a40 = Vector512.Load(r4), a41 = Vector512.Load(r4 + 16), a42 = Vector512.Load(r4 + 32), a43 = Vector512.Load(r4 + 48), a44 = Vector512.Load(r4 + 64);
            float* c0 = col, c1 = col + plane, c2 = col + 2 * plane, c3 = col + 3 * plane, c4 = col + 4 * plane;
            float* d0 = d, d1 = d + plane, d2 = d + 2 * plane, d3 = d + 3 * plane, d4 = d + 4 * plane;
            for (int q = 0; q < length; q += VW)
            {
                Vector512<float> v0 = Vector512.Load(c0 + q), v1 = Vector512.Load(c1 + q), v2 = Vector512.Load(c2 + q), v3 = Vector512.Load(c3 + q), v4 = Vector512.Load(c4 + q);
                Vector512<float> e = Vector512.Load(d0 + q);
                a00 = Vector512.FusedMultiplyAdd(e, v0, a00); a01 = Vector512.FusedMultiplyAdd(e, v1, a01); a02 = Vector512.FusedMultiplyAdd(e, v2, a02); a03 = Vector512.FusedMultiplyAdd(e, v3, a03); a04 = Vector512.FusedMultiplyAdd(e, v4, a04);
                e = Vector512.Load(d1 + q);
                a10 = Vector512.FusedMultiplyAdd(e, v0, a10); a11 = Vector512.FusedMultiplyAdd(e, v1, a11); a12 = Vector512.FusedMultiplyAdd(e, v2, a12); a13 = Vector512.FusedMultiplyAdd(e, v3, a13); a14 = Vector512.FusedMultiplyAdd(e, v4, a14);
                e = Vector512.Load(d2 + q);
                a20 = Vector512.FusedMultiplyAdd(e, v0, a20); a21 = Vector512.FusedMultiplyAdd(e, v1, a21); a22 = Vector512.FusedMultiplyAdd(e, v2, a22); a23 = Vector512.FusedMultiplyAdd(e, v3, a23); a24 = Vector512.FusedMultiplyAdd(e, v4, a24);
                e = Vector512.Load(d3 + q);
                a30 = Vector512.FusedMultiplyAdd(e, v0, a30); a31 = Vector512.FusedMultiplyAdd(e, v1, a31); a32 = Vector512.FusedMultiplyAdd(e, v2, a32); a33 = Vector512.FusedMultiplyAdd(e, v3, a33); a34 = Vector512.FusedMultiplyAdd(e, v4, a34);
                e = Vector512.Load(d4 + q);
                a40 = Vector512.FusedMultiplyAdd(e, v0, a40); a41 = Vector512.FusedMultiplyAdd(e, v1, a41); a42 = Vector512.FusedMultiplyAdd(e, v2, a42); a43 = Vector512.FusedMultiplyAdd(e, v3, a43); a44 = Vector512.FusedMultiplyAdd(e, v4, a44);
            }

            a00.Store(r0); a01.Store(r0 + 16); a02.Store(r0 + 32); a03.Store(r0 + 48); a04.Store(r0 + 64);
            a10.Store(r1); a11.Store(r1 + 16); a12.Store(r1 + 32); a13.Store(r1 + 48); a14.Store(r1 + 64);
            a20.Store(r2); a21.Store(r2 + 16); a22.Store(r2 + 32); a23.Store(r2 + 48); a24.Store(r2 + 64);
            a30.Store(r3); a31.Store(r3 + 16); a32.Store(r3 + 32); a33.Store(r3 + 48); a34.Store(r3 + 64);
            a40.Store(r4); a41.Store(r4 + 16); a42.Store(r4 + 32); a43.Store(r4 + 48); a44.Store(r4 + 64);
        }

        /// <summary>
        /// The last eight columns of every output row for six filters: rows are taken in pairs, a pair's eight columns
        /// filling one sixteen-lane vector (eight rows, four vectors, 24 accumulators per block, as in the main blocks). Row
        /// blocks that do not divide the height are shifted back, like the main blocks.
        /// </summary>
        private static void PairedRowsTail(float* xp, int* offsets, int patch, float* w0, Vector512<float> b0, Vector512<float> b1,
            Vector512<float> b2, Vector512<float> b3, Vector512<float> b4, Vector512<float> b5, float* yp, int outPlane, int oh, int ow, int w, int outRow,
            float* pooled, int pooledPlane, int pooledRow, bool relu, byte* winners)
        {
            const int Rows = 2 * RB, Half = VW / 2;
            int j = ow - Half;
            for (int oy = 0; ; oy += Rows)
            {
                if (oy + Rows > oh) oy = oh - Rows;
                float* x0 = xp + oy * w + j;
                Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
                Vector512<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
                Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
                Vector512<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
                Vector512<float> a40 = b4, a41 = b4, a42 = b4, a43 = b4;
                Vector512<float> a50 = b5, a51 = b5, a52 = b5, a53 = b5;
                float* wt = w0;
                for (int t = 0; t < patch; t++, wt++)
                {
                    float* xs = x0 + offsets[t];
                    Vector512<float> v0 = Vector512.Create(Vector256.Load(xs), Vector256.Load(xs + w));
                    Vector512<float> v1 = Vector512.Create(Vector256.Load(xs + 2 * w), Vector256.Load(xs + 3 * w));
                    Vector512<float> v2 = Vector512.Create(Vector256.Load(xs + 4 * w), Vector256.Load(xs + 5 * w));
                    Vector512<float> v3 = Vector512.Create(Vector256.Load(xs + 6 * w), Vector256.Load(xs + 7 * w));
                    Vector512<float> c = Vector512.Create(wt[0]);
                    a00 = Vector512.FusedMultiplyAdd(v0, c, a00); a01 = Vector512.FusedMultiplyAdd(v1, c, a01);
                    a02 = Vector512.FusedMultiplyAdd(v2, c, a02); a03 = Vector512.FusedMultiplyAdd(v3, c, a03);
                    c = Vector512.Create(wt[patch]);
                    a10 = Vector512.FusedMultiplyAdd(v0, c, a10); a11 = Vector512.FusedMultiplyAdd(v1, c, a11);
                    a12 = Vector512.FusedMultiplyAdd(v2, c, a12); a13 = Vector512.FusedMultiplyAdd(v3, c, a13);
                    c = Vector512.Create(wt[2 * patch]);
                    a20 = Vector512.FusedMultiplyAdd(v0, c, a20); a21 = Vector512.FusedMultiplyAdd(v1, c, a21);
                    a22 = Vector512.FusedMultiplyAdd(v2, c, a22); a23 = Vector512.FusedMultiplyAdd(v3, c, a23);
                    c = Vector512.Create(wt[3 * patch]);
                    a30 = Vector512.FusedMultiplyAdd(v0, c, a30); a31 = Vector512.FusedMultiplyAdd(v1, c, a31);
                    a32 = Vector512.FusedMultiplyAdd(v2, c, a32); a33 = Vector512.FusedMultiplyAdd(v3, c, a33);
                    c = Vector512.Create(wt[4 * patch]);
                    a40 = Vector512.FusedMultiplyAdd(v0, c, a40); a41 = Vector512.FusedMultiplyAdd(v1, c, a41);
                    a42 = Vector512.FusedMultiplyAdd(v2, c, a42); a43 = Vector512.FusedMultiplyAdd(v3, c, a43);
                    c = Vector512.Create(wt[5 * patch]);
                    a50 = Vector512.FusedMultiplyAdd(v0, c, a50); a51 = Vector512.FusedMultiplyAdd(v1, c, a51);
                    a52 = Vector512.FusedMultiplyAdd(v2, c, a52); a53 = Vector512.FusedMultiplyAdd(v3, c, a53);
                }

                if (pooled != null && winners != null)
                {
                    long at = oy / 2 * pooledRow + j / 2;
                    float* p0 = pooled + at;
                    byte* q0 = winners + at;
                    PoolStorePairs(p0, q0, pooledRow, a00, a01, a02, a03); p0 += pooledPlane; q0 += pooledPlane;
                    PoolStorePairs(p0, q0, pooledRow, a10, a11, a12, a13); p0 += pooledPlane; q0 += pooledPlane;
                    PoolStorePairs(p0, q0, pooledRow, a20, a21, a22, a23); p0 += pooledPlane; q0 += pooledPlane;
                    PoolStorePairs(p0, q0, pooledRow, a30, a31, a32, a33); p0 += pooledPlane; q0 += pooledPlane;
                    PoolStorePairs(p0, q0, pooledRow, a40, a41, a42, a43); p0 += pooledPlane; q0 += pooledPlane;
                    PoolStorePairs(p0, q0, pooledRow, a50, a51, a52, a53);
                    if (oy + Rows >= oh) break;
                    continue;
                }

                if (pooled != null)
                {
                    float* p0 = pooled + oy / 2 * pooledRow + j / 2;
                    PoolStorePairs(p0, pooledRow, a00, a01, a02, a03); p0 += pooledPlane;
                    PoolStorePairs(p0, pooledRow, a10, a11, a12, a13); p0 += pooledPlane;
                    PoolStorePairs(p0, pooledRow, a20, a21, a22, a23); p0 += pooledPlane;
                    PoolStorePairs(p0, pooledRow, a30, a31, a32, a33); p0 += pooledPlane;
                    PoolStorePairs(p0, pooledRow, a40, a41, a42, a43); p0 += pooledPlane;
                    PoolStorePairs(p0, pooledRow, a50, a51, a52, a53);
                    if (oy + Rows >= oh) break;
                    continue;
                }

                float* y0 = yp + oy * outRow + j;
                StorePairs(y0, outRow, a00, a01, a02, a03, relu); y0 += outPlane;
                StorePairs(y0, outRow, a10, a11, a12, a13, relu); y0 += outPlane;
                StorePairs(y0, outRow, a20, a21, a22, a23, relu); y0 += outPlane;
                StorePairs(y0, outRow, a30, a31, a32, a33, relu); y0 += outPlane;
                StorePairs(y0, outRow, a40, a41, a42, a43, relu); y0 += outPlane;
                StorePairs(y0, outRow, a50, a51, a52, a53, relu);
                if (oy + Rows >= oh) break;
            }
        }

        private static readonly Vector512<int> s_firstHalves = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        private static readonly Vector512<int> s_secondHalves = s_firstHalves + Vector512.Create(8);

        /// <summary>ReLU of the 2x2 maxima of four rows of sixteen outputs: eight outputs to each of two pooled rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PoolStore4(float* p, int stride, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3)
        {
            Vector512<float> top = Vector512.Max(r0, r1), bottom = Vector512.Max(r2, r3);
            Vector512<float> pooled = Vector512.Max(Avx512F.PermuteVar16x32x2(top, Lanes512.Even, bottom), Avx512F.PermuteVar16x32x2(top, Lanes512.Odd, bottom));
            pooled = Vector512.Max(pooled, Vector512<float>.Zero);
            pooled.GetLower().Store(p);
            pooled.GetUpper().Store(p + stride);
        }

        /// <summary><see cref="PoolStore4(float*, int, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/> with each
        /// window's winner code to <paramref name="q"/>: the first maximum in the order top-left, top-right, bottom-left,
        /// bottom-right (as the pooling kernel's scalar loop).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PoolStore4(float* p, byte* q, int stride, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3)
        {
            // Lanes 0-7: the windows of rows 0 and 1, 8-15: rows 2 and 3.
            Vector512<float> a = Avx512F.PermuteVar16x32x2(r0, Lanes512.Even, r2), b = Avx512F.PermuteVar16x32x2(r0, Lanes512.Odd, r2);
            Vector512<float> c = Avx512F.PermuteVar16x32x2(r1, Lanes512.Even, r3), d = Avx512F.PermuteVar16x32x2(r1, Lanes512.Odd, r3);
            StoreWindows(p, q, stride, a, b, c, d, halves: true);
        }

        /// <summary><see cref="PoolStorePairs(float*, int, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>
        /// with each window's winner code (as <see cref="PoolStore4(float*, byte*, int, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PoolStorePairs(float* p, byte* q, int stride, Vector512<float> r01, Vector512<float> r23, Vector512<float> r45, Vector512<float> r67)
        {
            // Rows 0|2, 1|3, 4|6 and 5|7, then their even and odd columns: lanes 0-3 the windows of pooled row 0, 4-7 row 1,
            // 8-11 row 2, 12-15 row 3.
            Vector512<float> r02 = Avx512F.PermuteVar16x32x2(r01, s_firstHalves, r23), r13 = Avx512F.PermuteVar16x32x2(r01, s_secondHalves, r23);
            Vector512<float> r46 = Avx512F.PermuteVar16x32x2(r45, s_firstHalves, r67), r57 = Avx512F.PermuteVar16x32x2(r45, s_secondHalves, r67);
            Vector512<float> a = Avx512F.PermuteVar16x32x2(r02, Lanes512.Even, r46), b = Avx512F.PermuteVar16x32x2(r02, Lanes512.Odd, r46);
            Vector512<float> c = Avx512F.PermuteVar16x32x2(r13, Lanes512.Even, r57), d = Avx512F.PermuteVar16x32x2(r13, Lanes512.Odd, r57);
            StoreWindows(p, q, stride, a, b, c, d, halves: false);
        }

        /// <summary>The ReLU of each window's maximum and its winner code (0 top-left, 1 top-right, 2 bottom-left, 3
        /// bottom-right; <see cref="Pooling.NoWinner"/> where the maximum is not positive): to two pooled rows of eight
        /// (<paramref name="halves"/>) or four of four, <paramref name="stride"/> apart.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreWindows(float* p, byte* q, int stride, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
            bool halves)
        {
            Vector512<float> best = a;
            Vector512<int> code = Vector512<int>.Zero;
            Vector512<float> m = Vector512.GreaterThan(b, best);
            best = Vector512.ConditionalSelect(m, b, best);
            code = Vector512.ConditionalSelect(m.AsInt32(), Vector512<int>.One, code);
            m = Vector512.GreaterThan(c, best);
            best = Vector512.ConditionalSelect(m, c, best);
            code = Vector512.ConditionalSelect(m.AsInt32(), Vector512.Create(2), code);
            m = Vector512.GreaterThan(d, best);
            best = Vector512.ConditionalSelect(m, d, best);
            code = Vector512.ConditionalSelect(m.AsInt32(), Vector512.Create(3), code);
            code = Vector512.ConditionalSelect(Vector512.GreaterThan(best, Vector512<float>.Zero).AsInt32(), code, Vector512.Create((int)Pooling.NoWinner));
            best = Vector512.Max(best, Vector512<float>.Zero);
            // Sixteen codes, one byte each (vpmovdb).
            Vector128<ulong> codes = Avx512F.ConvertToVector128Byte(code).AsUInt64();
            if (halves)
            {
                best.GetLower().Store(p);
                best.GetUpper().Store(p + stride);
                *(ulong*)q = codes.ToScalar();
                *(ulong*)(q + stride) = codes.GetElement(1);
                return;
            }

            best.GetLower().GetLower().Store(p);
            best.GetLower().GetUpper().Store(p + stride);
            best.GetUpper().GetLower().Store(p + 2 * stride);
            best.GetUpper().GetUpper().Store(p + 3 * stride);
            Vector128<uint> words = codes.AsUInt32();
            *(uint*)q = words.ToScalar();
            *(uint*)(q + stride) = words.GetElement(1);
            *(uint*)(q + 2 * stride) = words.GetElement(2);
            *(uint*)(q + 3 * stride) = words.GetElement(3);
        }

        /// <summary>ReLU of the 2x2 maxima of eight rows of eight outputs held in row pairs: four outputs to each of four pooled rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PoolStorePairs(float* p, int stride, Vector512<float> r01, Vector512<float> r23, Vector512<float> r45, Vector512<float> r67)
        {
            // Rows 0|2 against 1|3 and 4|6 against 5|7: the vertical maxima of pooled rows 0|1 and 2|3.
            Vector512<float> upper = Vector512.Max(Avx512F.PermuteVar16x32x2(r01, s_firstHalves, r23), Avx512F.PermuteVar16x32x2(r01, s_secondHalves, r23));
            Vector512<float> lower = Vector512.Max(Avx512F.PermuteVar16x32x2(r45, s_firstHalves, r67), Avx512F.PermuteVar16x32x2(r45, s_secondHalves, r67));
            // Horizontal pairs of both: lanes 0-3 pooled row 0, 4-7 row 1, 8-11 row 2, 12-15 row 3.
            Vector512<float> pooled = Vector512.Max(Avx512F.PermuteVar16x32x2(upper, Lanes512.Even, lower), Avx512F.PermuteVar16x32x2(upper, Lanes512.Odd, lower));
            pooled = Vector512.Max(pooled, Vector512<float>.Zero);
            pooled.GetLower().GetLower().Store(p);
            pooled.GetLower().GetUpper().Store(p + stride);
            pooled.GetUpper().GetLower().Store(p + 2 * stride);
            pooled.GetUpper().GetUpper().Store(p + 3 * stride);
        }

        /// <summary>Stores four vectors that each hold two rows' eight columns, to eight consecutive rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StorePairs(float* y, int stride, Vector512<float> r01, Vector512<float> r23, Vector512<float> r45, Vector512<float> r67, bool relu)
        {
            if (relu)
            {
                r01 = Lanes512.Relu(r01); r23 = Lanes512.Relu(r23); r45 = Lanes512.Relu(r45); r67 = Lanes512.Relu(r67);
            }

            r01.GetLower().Store(y); r01.GetUpper().Store(y + stride);
            r23.GetLower().Store(y + 2 * stride); r23.GetUpper().Store(y + 3 * stride);
            r45.GetLower().Store(y + 4 * stride); r45.GetUpper().Store(y + 5 * stride);
            r67.GetLower().Store(y + 6 * stride); r67.GetUpper().Store(y + 7 * stride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store4(float* y, int stride, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3, bool relu)
        {
            if (relu)
            {
                r0 = Lanes512.Relu(r0); r1 = Lanes512.Relu(r1); r2 = Lanes512.Relu(r2); r3 = Lanes512.Relu(r3);
            }

            r0.Store(y); r1.Store(y + stride); r2.Store(y + 2 * stride); r3.Store(y + 3 * stride);
        }
    }
}
