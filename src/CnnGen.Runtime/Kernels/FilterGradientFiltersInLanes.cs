using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The filter gradient of an unpadded stride-1 5 x 5 convolution with the filters in the vector lanes (AVX-512):
    /// <c>dW[f, c, ky, kx] = Σ_n Σ_(oy, ox) dy[n, f, oy, ox] x[n, c, oy + ky, ox + kx]</c>, one accumulator per tap and
    /// vector of sixteen filters, each position adding its output gradient (a vector of filters) times one input value
    /// broadcast.
    /// </summary>
    /// <remarks>
    /// <para>Why: the kernels with positions in the lanes either unfold each image into a column matrix and read it back
    /// (the transposed product and the direct dot products) or run over the row pitch and compute its padding columns
    /// (LeNet-5's second layer: 1.44 times the useful work).
    /// Here every multiply-add is useful except the lanes that round the filters up to a multiple of sixteen (30 filters:
    /// 32 lanes), the input image is read in place, and no lanes are summed at the end.</para>
    /// <para>How: each image's output gradient is transposed to <c>dyT[position, filter]</c>. A pass takes two (two vectors
    /// of filters) or four (one vector) rows of five taps: 20 accumulators, and per output position one or two loads of
    /// <c>dyT</c> and one broadcast input value per tap feed 20 multiply-adds. The accumulators are kept per tap in
    /// <c>[tap, filter]</c> order across the images of the call and transposed into the gradient at the end.</para>
    /// <para>Every entry adds its terms image by image and position by position over the images it is given; a batch shared
    /// among threads is cut into image ranges fixed by the configured degree and their sums added (as for the other
    /// filter-gradient kernels), so the result equals the reference's to rounding and depends on the degree, not on
    /// which thread runs what.</para>
    /// </remarks>
    internal static unsafe class FilterGradientFiltersInLanes
    {
        private const int Lanes = 16, Taps = 5;

        /// <summary>
        /// Whether the filter gradient of <paramref name="g"/> takes this kernel: stride 1, no padding, a 5 x 5 window, at least
        /// four input channels, 12 to 16 or 24 to 32 filters (rounding up to the lanes by at most a third), a plane of at
        /// least 16 positions, on AVX-512. Measured at batch 100, the two taking turns: LeNet-5's second layer 739 against
        /// 986 us on one thread (the dot products over the row pitch), 461 against 650 us on two; 12 channels of 20 x 20 to 28
        /// filters 0.88 times the time. With one input channel (SimpleConvNet's first layer: 2.27 against 1.38 ms) the
        /// transpose of each image's output gradient, whose cost does not shrink with the channels, took half the time.
        /// </summary>
        public static bool Applies(in ConvGeometry g) =>
            g.Stride == 1 && g.Pad == 0 && g.Kernel == Taps && g.Channels >= 4 && ((g.Filters >= 12 && g.Filters <= 16) || (g.Filters >= 24 && g.Filters <= 32))
            && g.OutPlane >= Lanes && KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        private static int FilterVectors(in ConvGeometry g) => (g.Filters + Lanes - 1) / Lanes;

        /// <summary>Floats of scratch one thread needs: one image's transposed output gradient and the partial sums.</summary>
        public static int ScratchSize(in ConvGeometry g) =>
            Applies(g) ? FilterVectors(g) * Lanes * (g.OutPlane + g.PatchSize) : 0;

        /// <summary>Weight and bias gradients of <paramref name="batch"/> images on the calling thread, <b>overwriting</b> both
        /// (the bias gradient may be empty).</summary>
        public static void FilterGradient(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Conv2D.OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch)
        {
            int vectors = FilterVectors(g), width = vectors * Lanes, plane = g.OutPlane, filters = g.Filters, patch = g.PatchSize;
            // The lanes past the last filter stay zero in dyT (nothing is copied there) and their sums are never read.
            scratch.Slice(0, width * (plane + patch)).Clear();
            biasGradient.Clear();
            fixed (float* sp = scratch)
            fixed (float* xp = x)
            fixed (float* dwp = weightGradient)
            {
                float* dyT = sp, partial = sp + (long)width * plane;
                for (int n = 0; n < batch; n++)
                {
                    float* image = dy.Image(n);
                    GemmBlocked.Transpose(image, plane, filters, plane, dyT, width);
                    Conv2D.AddPlaneSums(image, filters, plane, biasGradient);
                    float* input = xp + (long)n * g.InputSize;
                    int rows = g.Channels * Taps;   // rows of five taps: (channel, ky)
                    int rowsPerPass = vectors == 1 ? 4 : 2;
                    for (int r0 = 0; r0 < rows; r0 += rowsPerPass)
                    {
                        int count = Math.Min(rowsPerPass, rows - r0);
                        if (vectors == 1) OneVector(g, input, dyT, partial, r0, count);
                        else TwoVectors(g, input, dyT, partial, r0, count);
                    }
                }

                // partial[t, f] -> dW[f, t]
                GemmBlocked.Transpose(partial, width, patch, filters, dwp, patch);
            }
        }

        /// <summary>Where row <paramref name="row"/> (channel <c>row / 5</c>, tap row <c>row % 5</c>) reads its first input.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float* RowStart(in ConvGeometry g, float* input, int row) =>
            input + (long)(row / Taps) * g.Height * g.Width + (row % Taps) * g.Width;

        /// <summary>Up to four rows of five taps for sixteen filters: 20 accumulators (rows past <paramref name="count"/> read
        /// the first row again and are not stored).</summary>
        private static void OneVector(in ConvGeometry g, float* input, float* dyT, float* partial, int r0, int count)
        {
            float* x0 = RowStart(g, input, r0), x1 = RowStart(g, input, r0 + (count > 1 ? 1 : 0));
            float* x2 = RowStart(g, input, r0 + (count > 2 ? 2 : 0)), x3 = RowStart(g, input, r0 + (count > 3 ? 3 : 0));
            float* p0 = partial + (long)r0 * Taps * Lanes;
            Vector512<float> a00 = Vector512.Load(p0), a01 = Vector512.Load(p0 + 16), a02 = Vector512.Load(p0 + 32), a03 = Vector512.Load(p0 + 48), a04 = Vector512.Load(p0 + 64);
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
            if (count > 1) { float* p = p0 + 80; a10 = Vector512.Load(p); a11 = Vector512.Load(p + 16); a12 = Vector512.Load(p + 32); a13 = Vector512.Load(p + 48); a14 = Vector512.Load(p + 64); }
            if (count > 2) { float* p = p0 + 160; a20 = Vector512.Load(p); a21 = Vector512.Load(p + 16); a22 = Vector512.Load(p + 32); a23 = Vector512.Load(p + 48); a24 = Vector512.Load(p + 64); }
            if (count > 3) { float* p = p0 + 240; a30 = Vector512.Load(p); a31 = Vector512.Load(p + 16); a32 = Vector512.Load(p + 32); a33 = Vector512.Load(p + 48); a34 = Vector512.Load(p + 64); }
            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width;
            float* d = dyT;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++, d += Lanes)
                {
                    Vector512<float> e = Vector512.Load(d);
                    int q = oy * w + ox;
                    a00 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x0[q]), a00); a01 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x0[q + 1]), a01);
                    a02 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x0[q + 2]), a02); a03 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x0[q + 3]), a03);
                    a04 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x0[q + 4]), a04);
                    a10 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x1[q]), a10); a11 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x1[q + 1]), a11);
                    a12 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x1[q + 2]), a12); a13 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x1[q + 3]), a13);
                    a14 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x1[q + 4]), a14);
                    a20 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x2[q]), a20); a21 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x2[q + 1]), a21);
                    a22 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x2[q + 2]), a22); a23 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x2[q + 3]), a23);
                    a24 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x2[q + 4]), a24);
                    a30 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x3[q]), a30); a31 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x3[q + 1]), a31);
                    a32 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x3[q + 2]), a32); a33 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x3[q + 3]), a33);
                    a34 = Vector512.FusedMultiplyAdd(e, Vector512.Create(x3[q + 4]), a34);
                }
            }

            a00.Store(p0); a01.Store(p0 + 16); a02.Store(p0 + 32); a03.Store(p0 + 48); a04.Store(p0 + 64);
            if (count > 1) { float* p = p0 + 80; a10.Store(p); a11.Store(p + 16); a12.Store(p + 32); a13.Store(p + 48); a14.Store(p + 64); }
            if (count > 2) { float* p = p0 + 160; a20.Store(p); a21.Store(p + 16); a22.Store(p + 32); a23.Store(p + 48); a24.Store(p + 64); }
            if (count > 3) { float* p = p0 + 240; a30.Store(p); a31.Store(p + 16); a32.Store(p + 32); a33.Store(p + 48); a34.Store(p + 64); }
        }

        /// <summary>Up to two rows of five taps for 32 filters (two vectors): 20 accumulators (a second row past
        /// <paramref name="count"/> reads the first again and is not stored).</summary>
        private static void TwoVectors(in ConvGeometry g, float* input, float* dyT, float* partial, int r0, int count)
        {
            float* x0 = RowStart(g, input, r0), x1 = RowStart(g, input, r0 + (count > 1 ? 1 : 0));
            // partial[t, 0..31]: tap t's two vectors side by side.
            float* p0 = partial + (long)r0 * Taps * 2 * Lanes, p1 = p0 + Taps * 2 * Lanes;
            Vector512<float> a00 = Vector512.Load(p0), b00 = Vector512.Load(p0 + 16), a01 = Vector512.Load(p0 + 32), b01 = Vector512.Load(p0 + 48);
            Vector512<float> a02 = Vector512.Load(p0 + 64), b02 = Vector512.Load(p0 + 80), a03 = Vector512.Load(p0 + 96), b03 = Vector512.Load(p0 + 112);
            Vector512<float> a04 = Vector512.Load(p0 + 128), b04 = Vector512.Load(p0 + 144);
            Vector512<float> a10 = default, b10 = default, a11 = default, b11 = default, a12 = default, b12 = default, a13 = default, b13 = default, a14 = default, b14 = default;
            if (count > 1)
            {
                a10 = Vector512.Load(p1); b10 = Vector512.Load(p1 + 16); a11 = Vector512.Load(p1 + 32); b11 = Vector512.Load(p1 + 48);
                a12 = Vector512.Load(p1 + 64); b12 = Vector512.Load(p1 + 80); a13 = Vector512.Load(p1 + 96); b13 = Vector512.Load(p1 + 112);
                a14 = Vector512.Load(p1 + 128); b14 = Vector512.Load(p1 + 144);
            }

            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width;
            float* d = dyT;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++, d += 2 * Lanes)
                {
                    Vector512<float> e = Vector512.Load(d), f = Vector512.Load(d + Lanes);
                    int q = oy * w + ox;
                    Vector512<float> v = Vector512.Create(x0[q]);
                    a00 = Vector512.FusedMultiplyAdd(e, v, a00); b00 = Vector512.FusedMultiplyAdd(f, v, b00);
                    v = Vector512.Create(x0[q + 1]); a01 = Vector512.FusedMultiplyAdd(e, v, a01); b01 = Vector512.FusedMultiplyAdd(f, v, b01);
                    v = Vector512.Create(x0[q + 2]); a02 = Vector512.FusedMultiplyAdd(e, v, a02); b02 = Vector512.FusedMultiplyAdd(f, v, b02);
                    v = Vector512.Create(x0[q + 3]); a03 = Vector512.FusedMultiplyAdd(e, v, a03); b03 = Vector512.FusedMultiplyAdd(f, v, b03);
                    v = Vector512.Create(x0[q + 4]); a04 = Vector512.FusedMultiplyAdd(e, v, a04); b04 = Vector512.FusedMultiplyAdd(f, v, b04);
                    v = Vector512.Create(x1[q]); a10 = Vector512.FusedMultiplyAdd(e, v, a10); b10 = Vector512.FusedMultiplyAdd(f, v, b10);
                    v = Vector512.Create(x1[q + 1]); a11 = Vector512.FusedMultiplyAdd(e, v, a11); b11 = Vector512.FusedMultiplyAdd(f, v, b11);
                    v = Vector512.Create(x1[q + 2]); a12 = Vector512.FusedMultiplyAdd(e, v, a12); b12 = Vector512.FusedMultiplyAdd(f, v, b12);
                    v = Vector512.Create(x1[q + 3]); a13 = Vector512.FusedMultiplyAdd(e, v, a13); b13 = Vector512.FusedMultiplyAdd(f, v, b13);
                    v = Vector512.Create(x1[q + 4]); a14 = Vector512.FusedMultiplyAdd(e, v, a14); b14 = Vector512.FusedMultiplyAdd(f, v, b14);
                }
            }

            a00.Store(p0); b00.Store(p0 + 16); a01.Store(p0 + 32); b01.Store(p0 + 48); a02.Store(p0 + 64); b02.Store(p0 + 80);
            a03.Store(p0 + 96); b03.Store(p0 + 112); a04.Store(p0 + 128); b04.Store(p0 + 144);
            if (count > 1)
            {
                a10.Store(p1); b10.Store(p1 + 16); a11.Store(p1 + 32); b11.Store(p1 + 48); a12.Store(p1 + 64); b12.Store(p1 + 80);
                a13.Store(p1 + 96); b13.Store(p1 + 112); a14.Store(p1 + 128); b14.Store(p1 + 144);
            }
        }
    }
}
