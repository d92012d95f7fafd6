using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The input gradient of a stride-1 convolution with the output gradient's filters in the vector lanes (AVX-512):
    /// <c>dx[c, y, x] = Σ over taps (ky, kx) and filters f of W[f, c, ky, kx] dy[f, y + P - ky, x + P - kx]</c>, each
    /// accumulator summing sixteen filters' terms for one input position and channel, its lanes added up once at the end.
    /// </summary>
    /// <remarks>
    /// <para>Why: the other form, the convolution of <c>dy</c> with the flipped filters (<see cref="Conv2D.BackwardData"/>),
    /// runs over <c>dy</c> bordered by <c>K - 1 - P</c> zeros on every side; for a small plane and a large window most of what
    /// it multiplies is that border. LeNet-5's second layer (16 filters, 5 x 5, on 6 x 14 x 14) gives a 10 x 10 output
    /// gradient, bordered to 18 x 18, and the flipped convolution computes 14 x 18 positions per channel, filter and tap
    /// for 100 useful ones. Here a row of <c>dx</c> takes only the tap rows that meet a row of <c>dy</c>, and a block of four
    /// positions only the tap columns that meet one for some of them: 1.2 times the useful multiply-adds for that layer.</para>
    /// <para>How: per call, the weights are laid out as <c>Wt[c, ky, kx, f]</c> (a vector of filters per channel and tap);
    /// per image, <c>dy</c> is transposed to <c>dyT[oy, ox, f]</c> with three zero columns on each side (the taps a block
    /// of four positions shares reach three past the edge). A register block is six channels x four positions of one row:
    /// per tap and vector of filters, four loads of <c>dyT</c> and six of <c>Wt</c> feed 24 multiply-adds. Channels are
    /// rounded up to a multiple of six with zero weights, positions to four (the extra results are not stored).</para>
    /// <para>Every input position sums its terms in the same order whatever the batch, range or thread.</para>
    /// </remarks>
    internal static unsafe class InputGradientFiltersInLanes
    {
        private const int Lanes = 16, Channels = 6, Positions = 4, Border = Positions - 1;

        [ThreadStatic] private static PinnedBuffer? t_scratch;

        /// <summary>
        /// Whether <see cref="Conv2D.BackwardData"/> takes this kernel for <paramref name="g"/>: stride 1, a real window, a
        /// multiple of 16 filters up to 64, channels that round up to a multiple of six by at most a third, on AVX-512; and
        /// the flipped convolution either not available or computing at least 1.75 times the useful multiply-adds. Measured
        /// at batch 100, one thread, the two taking turns: LeNet-5's second layer (2.52 times) 540 against 881 us; 6 x 20 x 20
        /// to 16 filters 5 x 5 (1.88 times) 1.81 against 2.97 ms; 12 x 14 x 14 to 32 filters 5 x 5 1.91 against 4.67 ms; but
        /// 16 x 12 x 12 to 32 filters 3 x 3 (1.68 times) level, its nine taps leaving the lanes' sums more weight.
        /// </summary>
        public static bool Applies(in ConvGeometry g)
        {
            if (g.Stride != 1 || g.Kernel == 1 || g.Filters % Lanes != 0 || g.Filters > 64 || 3 * RoundedChannels(g) > 4 * g.Channels) return false;
            if (KernelDispatch.Level < SimdLevel.Avx512 || !Vector512.IsHardwareAccelerated || !Avx512F.IsSupported) return false;
            // The flipped convolution computes, per channel, filter and tap, the input plane over the pitch of the bordered
            // output gradient (OW + 2 (K - 1 - P)), against the output plane's useful positions.
            long flippedPositions = (long)g.Height * (g.OutWidth + 2 * (g.Kernel - 1 - g.Pad));
            return !Conv2D.BackwardDataIsConvolution(g, out _) || 4 * flippedPositions >= 7L * g.OutHeight * g.OutWidth;
        }

        private static int RoundedChannels(in ConvGeometry g) => (g.Channels + Channels - 1) / Channels * Channels;

        private static int BorderedWidth(in ConvGeometry g) => g.OutWidth + 2 * Border;

        /// <summary>Input gradient of <paramref name="batch"/> images on the calling thread, <b>overwriting</b> <paramref name="dx"/>.</summary>
        public static void BackwardData(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights, Span<float> dx)
        {
            int k = g.Kernel, taps = k * k, filters = g.Filters, channels = RoundedChannels(g);
            int weightFloats = channels * taps * filters, imageFloats = g.OutHeight * BorderedWidth(g) * filters;
            float* scratch = (t_scratch ??= new PinnedBuffer()).Get(weightFloats + imageFloats);
            float* wt = scratch, dyT = scratch + weightFloats;

            // Wt[c, ky, kx, f] = W[f, c, ky, kx] (W transposed: a patch of C x K x K per filter); zero for the channels that
            // round the blocks up.
            int patch = g.PatchSize;
            fixed (float* wp = weights) GemmBlocked.Transpose(wp, patch, filters, patch, wt, filters);
            new Span<float>(wt + (long)patch * filters, weightFloats - patch * filters).Clear();

            // The borders of dyT stay zero; each image fills its interior.
            new Span<float>(dyT, imageFloats).Clear();
            fixed (float* dyp = dy)
            fixed (float* dxp = dx)
            {
                for (int n = 0; n < batch; n++)
                {
                    float* image = dyp + (long)n * g.OutputSize;
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        GemmBlocked.Transpose(image + oy * g.OutWidth, g.OutPlane, filters, g.OutWidth,
                            dyT + ((long)oy * BorderedWidth(g) + Border) * filters, filters);
                    }

                    Image(g, wt, dyT, dxp + (long)n * g.InputSize);
                }
            }
        }

        /// <summary>One image's input gradient from its transposed output gradient.</summary>
        private static void Image(in ConvGeometry g, float* wt, float* dyT, float* dx)
        {
            int k = g.Kernel, p = g.Pad, filters = g.Filters, width = g.Width, bordered = BorderedWidth(g);
            long channelStride = (long)k * k * filters;
            for (int c0 = 0; c0 < g.Channels; c0 += Channels)
            {
                int blockChannels = Math.Min(Channels, g.Channels - c0);
                for (int y = 0; y < g.Height; y++)
                {
                    // Tap rows that meet a row of dy: 0 <= y + P - ky < OH.
                    int kyLo = Math.Max(0, y + p - (g.OutHeight - 1)), kyHi = Math.Min(k - 1, y + p);
                    for (int x0 = 0; x0 < width; x0 += Positions)
                    {
                        int count = Math.Min(Positions, width - x0);
                        // Tap columns that meet a column of dy for at least one of the block's positions.
                        int kxLo = Math.Max(0, x0 + p - (g.OutWidth - 1)), kxHi = Math.Min(k - 1, x0 + count - 1 + p);
                        Block(wt + c0 * channelStride, channelStride, dyT, bordered, filters, y + p, x0 + p + Border, k, kyLo, kyHi, kxLo, kxHi,
                            dx + (long)c0 * g.Height * width + y * width + x0, (long)g.Height * width, blockChannels, count);
                    }
                }
            }
        }

        /// <summary>Six channels x four positions of one input row: <c>dyT</c> row <c>row - ky</c>, column <c>column - kx</c> for
        /// position 0 (the next positions follow), taps <c>[kyLo, kyHi] x [kxLo, kxHi]</c>; the first
        /// <paramref name="channels"/> x <paramref name="count"/> sums go to <paramref name="dx"/> (channels
        /// <paramref name="planeStride"/> apart).</summary>
        private static void Block(float* wt, long channelStride, float* dyT, int bordered, int filters, int row, int column, int k,
            int kyLo, int kyHi, int kxLo, int kxHi, float* dx, long planeStride, int channels, int count)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
            Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
            long c1 = channelStride, c2 = 2 * channelStride, c3 = 3 * channelStride, c4 = 4 * channelStride, c5 = 5 * channelStride;
            int taps = kxHi - kxLo + 1;
            for (int ky = kyLo; ky <= kyHi; ky++)
            {
                // The block's taps of this row, from the last column (kx = kxHi) to the first: dyT's columns go up as kx goes down.
                float* d = dyT + ((long)(row - ky) * bordered + column - kxHi) * filters;
                float* w = wt + (long)(ky * k + kxHi) * filters;
                for (int t = 0; t < taps; t++, d += filters, w -= filters)
                {
                    for (int fv = 0; fv < filters; fv += Lanes)
                    {
                        Vector512<float> d0 = Vector512.Load(d + fv), d1 = Vector512.Load(d + filters + fv);
                        Vector512<float> d2 = Vector512.Load(d + 2 * filters + fv), d3 = Vector512.Load(d + 3 * filters + fv);
                        Vector512<float> v = Vector512.Load(w + fv);
                        a00 = Vector512.FusedMultiplyAdd(v, d0, a00); a01 = Vector512.FusedMultiplyAdd(v, d1, a01); a02 = Vector512.FusedMultiplyAdd(v, d2, a02); a03 = Vector512.FusedMultiplyAdd(v, d3, a03);
                        v = Vector512.Load(w + c1 + fv);
                        a10 = Vector512.FusedMultiplyAdd(v, d0, a10); a11 = Vector512.FusedMultiplyAdd(v, d1, a11); a12 = Vector512.FusedMultiplyAdd(v, d2, a12); a13 = Vector512.FusedMultiplyAdd(v, d3, a13);
                        v = Vector512.Load(w + c2 + fv);
                        a20 = Vector512.FusedMultiplyAdd(v, d0, a20); a21 = Vector512.FusedMultiplyAdd(v, d1, a21); a22 = Vector512.FusedMultiplyAdd(v, d2, a22); a23 = Vector512.FusedMultiplyAdd(v, d3, a23);
                        v = Vector512.Load(w + c3 + fv);
                        a30 = Vector512.FusedMultiplyAdd(v, d0, a30); a31 = Vector512.FusedMultiplyAdd(v, d1, a31); a32 = Vector512.FusedMultiplyAdd(v, d2, a32); a33 = Vector512.FusedMultiplyAdd(v, d3, a33);
                        v = Vector512.Load(w + c4 + fv);
                        a40 = Vector512.FusedMultiplyAdd(v, d0, a40); a41 = Vector512.FusedMultiplyAdd(v, d1, a41); a42 = Vector512.FusedMultiplyAdd(v, d2, a42); a43 = Vector512.FusedMultiplyAdd(v, d3, a43);
                        v = Vector512.Load(w + c5 + fv);
                        a50 = Vector512.FusedMultiplyAdd(v, d0, a50); a51 = Vector512.FusedMultiplyAdd(v, d1, a51); a52 = Vector512.FusedMultiplyAdd(v, d2, a52); a53 = Vector512.FusedMultiplyAdd(v, d3, a53);
                    }
                }
            }

            Store(dx, count, LaneSums.OfFour(a00, a01, a02, a03));
            if (channels > 1) Store(dx + planeStride, count, LaneSums.OfFour(a10, a11, a12, a13));
            if (channels > 2) Store(dx + 2 * planeStride, count, LaneSums.OfFour(a20, a21, a22, a23));
            if (channels > 3) Store(dx + 3 * planeStride, count, LaneSums.OfFour(a30, a31, a32, a33));
            if (channels > 4) Store(dx + 4 * planeStride, count, LaneSums.OfFour(a40, a41, a42, a43));
            if (channels > 5) Store(dx + 5 * planeStride, count, LaneSums.OfFour(a50, a51, a52, a53));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* target, int count, Vector128<float> sums)
        {
            if (count == Positions)
            {
                sums.Store(target);
                return;
            }

            for (int i = 0; i < count; i++) target[i] = sums.GetElement(i);
        }
    }
}
