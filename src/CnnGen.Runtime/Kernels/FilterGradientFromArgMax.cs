using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The filter gradient of a one-channel, unpadded stride-1 convolution followed by a ReLU and max pooling, taken straight
    /// from the pool's arg-max: the convolution's output gradient is nonzero only at a window's arg-max, and only where the
    /// window's maximum is positive, so <c>dW[f, ky, kx] = Σ over those windows w of g_w x[oy_w + ky, ox_w + kx]</c>,
    /// <c>db[f] = Σ g_w</c>: one window's input patch, scaled, per term.
    /// </summary>
    /// <remarks>
    /// <para>Why: 2x2 pooling leaves at most a quarter of the output gradient nonzero, and the ReLU fewer (SimpleConvNet with
    /// the book's weights on MNIST: 18% of its pooled outputs are positive, so 4.5% of the output gradient). The dense
    /// kernels make each image's output gradient (17,280 floats for SimpleConvNet's first layer) and multiply all of it
    /// with every tap; this visits only the windows that pass a gradient.</para>
    /// <para>How: image by image and filter by filter (the pool's arrays in order), the windows that pass are found sixteen
    /// at a time (vector compares of the winner codes with <see cref="Pooling.NoWinner"/> and of the gradients with zero give
    /// a bit mask); each adds its gradient times the window's arg-max patch (found from its winner code), one row of taps per accumulator (a vector of eight lanes, read with a mask), in registers over
    /// the image's windows. Up to eight rows of taps (a window of up to 8 x 8). Where more than half of the windows pass,
    /// the dense kernels are faster and keep the work (<see cref="Pays"/>).</para>
    /// <para>The sums are taken window by window, in order, image by image: not the dense kernels' order, so the result
    /// equals theirs to rounding. As with them, a batch shared among threads is cut into image ranges fixed by the
    /// configured degree (each range choosing this kernel or the dense ones by its own windows), so the result depends on
    /// the degree, not on which thread runs what.</para>
    /// </remarks>
    internal static unsafe class FilterGradientFromArgMax
    {
        private const int Row = 8, Lanes = 16;

        /// <summary>Whether the windows that pass a gradient are few enough for this kernel to pay: at most half of them (a
        /// winner code other than <see cref="Pooling.NoWinner"/>: a positive maximum). Measured on SimpleConvNet's first layer
        /// at batch 100, against the dense kernels, the two taking turns: with 18% of the windows passing 0.47 times the time
        /// on one thread and 0.45 on two; with 50%, 0.83; with 94% (random weights) 1.44 times. Each window costs a few
        /// nanoseconds where the dense kernels' cost is fixed.</summary>
        public static bool Pays(byte* winners, long windows)
        {
            long blocked = 0, w = 0;
            Vector256<byte> none = Vector256.Create(Pooling.NoWinner);
            for (; w + 32 <= windows; w += 32)
            {
                blocked += BitOperations.PopCount(Vector256.Equals(Avx.LoadVector256(winners + w), none).ExtractMostSignificantBits());
            }

            for (; w < windows; w++)
            {
                if (winners[w] == Pooling.NoWinner) blocked++;
            }

            return 2 * (windows - blocked) <= windows;
        }

        /// <summary>Whether this kernel takes the convolution <paramref name="g"/>: one input channel, stride 1, no padding, a
        /// window of 2 x 2 to 8 x 8, on AVX2 (and FMA).</summary>
        public static bool Applies(in ConvGeometry g) =>
            g.Channels == 1 && g.Stride == 1 && g.Pad == 0 && g.Kernel >= 2 && g.Kernel <= Row &&
            KernelDispatch.Level >= SimdLevel.Avx2 && Avx2.IsSupported && Fma.IsSupported;

        /// <summary>The weight and bias gradients of <paramref name="count"/> images from <paramref name="firstImage"/> of the
        /// batch, <b>overwriting</b> both (the bias gradient may be empty). <paramref name="x"/> holds those images;
        /// <paramref name="poolGradient"/> and <paramref name="winners"/> (the pool's winner codes) are the batch's.</summary>
        public static void FilterGradient(in ConvGeometry g, in ConvGeometry pool, int firstImage, int count, float* x,
            float* poolGradient, byte* winners, Span<float> weightGradient, Span<float> biasGradient)
        {
            int k = g.Kernel, filters = g.Filters, pooled = pool.OutPlane, width = g.Width, window = pool.Kernel;
            // Where each pooled window's patch starts in the image: its top-left convolution output's patch (padding
            // included: the winner is always inside), plus per winner code, the code's row and column in the window (a
            // division per window would cost more than its sums); per filter, two sets of eight rows of sums and two bias
            // sums (see Add).
            float* scratch = (t_scratch ??= new PinnedBuffer()).Get(pooled + window * window + (long)filters * (2 * Row * Row + 2));
            int* windowStart = (int*)scratch, codeOffset = windowStart + pooled;
            float* sums = scratch + pooled + window * window;
            for (int q = 0; q < pooled; q++)
            {
                windowStart[q] = (q / pool.OutWidth * pool.Stride - pool.Pad) * width + q % pool.OutWidth * pool.Stride - pool.Pad;
            }

            for (int c = 0; c < window * window; c++) codeOffset[c] = c / window * width + c % window;
            new Span<float>(sums, filters * (2 * Row * Row + 2)).Clear();
            Vector256<float> taps = Vector256.GreaterThan(Vector256.Create(k) - Vector256<int>.Indices, Vector256<int>.Zero).AsSingle();
            // Image by image, filter by filter: the pool's arrays are read in order (filter by filter over the batch, they
            // were read 576 bytes at a time, 17 KB apart, and that took most of the time).
            for (int n = firstImage; n < firstImage + count; n++)
            {
                float* image = x + (long)(n - firstImage) * g.InputSize;
                for (int f = 0; f < filters; f++)
                {
                    long window0 = ((long)n * filters + f) * pooled;
                    Add(image, width, k, taps, poolGradient + window0, winners + window0, pooled, windowStart, codeOffset,
                        sums + (long)f * (2 * Row * Row + 2));
                }
            }

            weightGradient.Clear();
            biasGradient.Clear();
            for (int f = 0; f < filters; f++)
            {
                float* set = sums + (long)f * (2 * Row * Row + 2);
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++) weightGradient[(f * k + ky) * k + kx] = set[ky * Row + kx] + set[Row * Row + ky * Row + kx];
                }

                if (!biasGradient.IsEmpty) biasGradient[f] = set[2 * Row * Row] + set[2 * Row * Row + 1];
            }
        }

        [ThreadStatic] private static PinnedBuffer? t_scratch;

        /// <summary>One image's windows of one filter that pass a gradient, each adding its gradient times its patch to
        /// <paramref name="sums"/>: two sets of eight rows of eight lanes (the windows take the sets in turn, so each
        /// multiply-add waits on the window before last, not the last) and two bias sums after them.</summary>
        private static void Add(float* image, int width, int k, Vector256<float> taps, float* gradient, byte* winners, int pooled,
            int* windowStart, int* codeOffset, float* sums)
        {
            float* b = sums + Row * Row;
            Vector256<float> a0 = Avx.LoadVector256(sums), a1 = Avx.LoadVector256(sums + 8), a2 = Avx.LoadVector256(sums + 16), a3 = Avx.LoadVector256(sums + 24);
            Vector256<float> a4 = Avx.LoadVector256(sums + 32), a5 = Avx.LoadVector256(sums + 40), a6 = Avx.LoadVector256(sums + 48), a7 = Avx.LoadVector256(sums + 56);
            Vector256<float> b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 8), b2 = Avx.LoadVector256(b + 16), b3 = Avx.LoadVector256(b + 24);
            Vector256<float> b4 = Avx.LoadVector256(b + 32), b5 = Avx.LoadVector256(b + 40), b6 = Avx.LoadVector256(b + 48), b7 = Avx.LoadVector256(b + 56);
            float biasA = sums[2 * Row * Row], biasB = sums[2 * Row * Row + 1];
            bool second = false;
            for (int q0 = 0; q0 < pooled; q0 += Lanes)
            {
                for (uint mask = Passing(gradient, winners, q0, pooled); mask != 0; mask &= mask - 1)
                {
                    int q = q0 + BitOperations.TrailingZeroCount(mask);
                    float* patch = image + windowStart[q] + codeOffset[winners[q]];
                    float gw = gradient[q];
                    Vector256<float> s = Vector256.Create(gw);
                    if (second)
                    {
                        biasB += gw;
                        b0 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch, taps), b0);
                        b1 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + width, taps), b1);
                        if (k > 2) b2 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 2 * width, taps), b2);
                        if (k > 3) b3 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 3 * width, taps), b3);
                        if (k > 4) b4 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 4 * width, taps), b4);
                        if (k > 5) b5 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 5 * width, taps), b5);
                        if (k > 6) b6 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 6 * width, taps), b6);
                        if (k > 7) b7 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 7 * width, taps), b7);
                    }
                    else
                    {
                        biasA += gw;
                        a0 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch, taps), a0);
                        a1 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + width, taps), a1);
                        if (k > 2) a2 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 2 * width, taps), a2);
                        if (k > 3) a3 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 3 * width, taps), a3);
                        if (k > 4) a4 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 4 * width, taps), a4);
                        if (k > 5) a5 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 5 * width, taps), a5);
                        if (k > 6) a6 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 6 * width, taps), a6);
                        if (k > 7) a7 = Fma.MultiplyAdd(s, Avx.MaskLoad(patch + 7 * width, taps), a7);
                    }

                    second = !second;
                }
            }

            a0.Store(sums); a1.Store(sums + 8); a2.Store(sums + 16); a3.Store(sums + 24); a4.Store(sums + 32); a5.Store(sums + 40); a6.Store(sums + 48); a7.Store(sums + 56);
            b0.Store(b); b1.Store(b + 8); b2.Store(b + 16); b3.Store(b + 24); b4.Store(b + 32); b5.Store(b + 40); b6.Store(b + 48); b7.Store(b + 56);
            sums[2 * Row * Row] = biasA;
            sums[2 * Row * Row + 1] = biasB;
        }

        /// <summary>Bits of windows <c>[q0, q0 + 16)</c> (those below <paramref name="pooled"/>) that pass a gradient: a winner
        /// (a positive maximum) and a nonzero gradient.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Passing(float* gradient, byte* winners, int q0, int pooled)
        {
            uint mask = 0;
            int count = Math.Min(Lanes, pooled - q0);
            if (count == Lanes)
            {
                Vector256<float> g0 = Avx.LoadVector256(gradient + q0), g1 = Avx.LoadVector256(gradient + q0 + 8);
                Vector256<float> zero = Vector256<float>.Zero;
                uint nonzero = (~Vector256.Equals(g0, zero)).ExtractMostSignificantBits() | (~Vector256.Equals(g1, zero)).ExtractMostSignificantBits() << 8;
                uint blocked = Vector128.Equals(Vector128.Load(winners + q0), Vector128.Create(Pooling.NoWinner)).ExtractMostSignificantBits();
                return nonzero & ~blocked;
            }

            for (int i = 0; i < count; i++)
            {
                if (winners[q0 + i] != Pooling.NoWinner && gradient[q0 + i] != 0) mask |= 1u << i;
            }

            return mask;
        }
    }
}
