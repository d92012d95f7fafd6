using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The filter gradient of a stride-1 convolution without a column matrix: <c>dW[f, t] = Σ_p dy[f, p] x_t[p]</c>, where
    /// <c>x_t</c> is the input plane of tap <c>t = (c, kh, kw)</c> shifted by <c>(kh, kw)</c>. On a zero-bordered copy of the
    /// image laid out with the padded row pitch, that shifted plane is one contiguous run starting at
    /// <c>c * plane + kh * pitch + kw</c>, if the output gradient is laid over the same pitch with zeros in the columns
    /// past the output's width. So each pair (f, t) is a plain dot product of two runs, and a register block of 4 filters x 6
    /// taps, or 6 x 4 where that rounds up fewer pairs (24 vector accumulators, 10 loads per 24 multiply-adds), passes once
    /// along them. The im2col path this replaces wrote
    /// and read back a column matrix of 9 to 25 times the image per image (SmallVgg's second layer: 590 KB per image).
    /// </summary>
    /// <remarks>
    /// <para>The cost of the layout: the columns past the output's width (pitch - width of every row: 2 of 34 for a 3x3 pad-1
    /// layer on 32 columns) and the filters and taps that round the blocks up (to multiples of 4 and 6, or 6 and 4) are computed and
    /// thrown away. <see cref="Applies"/> keeps the waste bounded.</para>
    /// <para>The accumulators are vectors of partial sums over the batch (one per pair), reduced once at the end; a block
    /// runs over a group of images at once (as many as make about 1,024 positions: one or two, a plane having at least
    /// <see cref="MinPositions"/>) so that each load and store of its accumulators serves a long run of multiply-adds. The first group starts them at zero
    /// and the last sums their lanes straight into the gradient, so a batch of one group (batch 1, say) neither clears nor
    /// reads any partial sums. Every partial sum adds its terms image by image and position by position, so the result
    /// depends on neither the group nor the block order.</para>
    /// <para>The zeros past each output row's width meet input values the reference never pairs with that filter's
    /// gradient: an infinite input there makes a NaN (0 x inf) where the reference's sum would be finite. Finite inputs give
    /// the reference's values to rounding.</para>
    /// </remarks>
    internal static unsafe class FilterGradientOverPitch
    {
        private const int VW = 16;

        /// <summary>Positions a group of images should add up to, for long runs per accumulator load.</summary>
        private const int GroupPositions = 1024;

        /// <summary>Positions (output rows x pitch) from which an image gives each pair enough work for any number of images.
        /// Summing a pair's lanes costs about as much as 128 positions of multiply-adds, and it is paid once per call, so at
        /// batch 1 shorter planes lost to the transposed product (SmallVgg's 16x16 layers, 288 positions: 50 and 83 against 33
        /// and 49 us; 32 filters on 8x8: 51 against 21 us; LeNet-5's second layer, 140 positions: 23 against 14 us).</summary>
        private const int MinPositions = 512;

        /// <summary>Images a thread's share of the batch must hold for a plane shorter than <see cref="MinPositions"/>: then
        /// the lanes' sums are spread over enough multiply-adds. LeNet-5's second layer (140 positions, 10x10 over a pitch of
        /// 14; since taken by <see cref="FilterGradientFiltersInLanes"/>) at batch 100, the two taking turns: 737 against 866 us on one thread, 471 against 703 us on two (a share of
        /// 25 images each); at batch 8 the two were level (67 against 64 us).</summary>
        public const int MinImagesForShortPlanes = 16;

        /// <summary>Fewest positions a plane must have at all: four vectors.</summary>
        private const int MinShortPositions = 4 * VW;

        /// <summary>Largest scratch (floats, 4 MiB) this kernel may ask for on one thread.</summary>
        private const int MaxScratch = 1 << 20;

        /// <summary>Most pairs (padded filters x padded taps): their partial sums take 64 bytes each (1 MiB at most).</summary>
        private const int MaxPairs = 16384;

        /// <summary>Whether the filter gradient of <paramref name="images"/> images on one thread takes this kernel: a shape it
        /// takes (<see cref="AppliesToShape"/>) whose plane is long enough for any number of images
        /// (<see cref="TakesEveryBatch"/>), or at least <see cref="MinImagesForShortPlanes"/> images.</summary>
        public static bool Applies(in ConvGeometry g, int images) =>
            AppliesToShape(g) && (Positions(g) >= MinPositions || images >= MinImagesForShortPlanes);

        /// <summary>Whether this kernel takes <paramref name="g"/> whatever the number of images.</summary>
        public static bool TakesEveryBatch(in ConvGeometry g) => AppliesToShape(g) && Positions(g) >= MinPositions;

        /// <summary>Whether this kernel takes <paramref name="g"/> at some number of images: stride 1 and a real window on AVX-512,
        /// rows no more than twice as long with the padded pitch as the output's, an output plane of at least four vectors
        /// of positions over the pitch, bounded scratch, and not a shape whose pairs the direct dot-product kernel's 5 x 5
        /// blocks cover exactly (it has no waste there and is faster: SimpleConvNet's first layer, 30 filters of 25 taps, 74
        /// against 47 GFLOP/s at batch 100).</summary>
        public static bool AppliesToShape(in ConvGeometry g)
        {
            if (g.Stride != 1 || g.Kernel == 1 || KernelDispatch.Level < SimdLevel.Avx512 || !Vector512.IsHardwareAccelerated) return false;
            if (Pitch(g) > 2 * g.OutWidth || Positions(g) < MinShortPositions) return false;
            if (g.Filters % 5 == 0 && g.PatchSize % 5 == 0 && DirectDotsWouldTakeIt(g)) return false;
            return (long)PaddedFilters(g) * PaddedTaps(g) <= MaxPairs && SizeOf(g) <= MaxScratch;
        }

        /// <summary>Positions of an output plane laid over the pitch.</summary>
        private static long Positions(in ConvGeometry g) => (long)g.OutHeight * Pitch(g);

        /// <summary>Whether, without this kernel, the direct dot-product kernel would take the shape (the transposed product
        /// takes the long patches it also serves).</summary>
        private static bool DirectDotsWouldTakeIt(in ConvGeometry g) =>
            ConvDirectWide.AppliesFilterGradient(g) && !(g.PatchSize >= 64 && g.Filters >= 8 && GemmFewRows.Applies(2, g.Filters, g.OutPlane));

        /// <summary>Floats of scratch one thread needs for <paramref name="g"/> (0 when the kernel never takes it).</summary>
        public static int ScratchSize(in ConvGeometry g) => AppliesToShape(g) ? (int)SizeOf(g) : 0;

        private static int Pitch(in ConvGeometry g) => g.Width + 2 * g.Pad;

        private static long PaddedPlane(in ConvGeometry g) => (long)(g.Height + 2 * g.Pad) * Pitch(g);

        /// <summary>Positions of an output plane laid over the pitch, rounded up to whole vectors.</summary>
        private static int RunLength(in ConvGeometry g) => (int)Math.Min(int.MaxValue / 2, ((long)g.OutHeight * Pitch(g) + VW - 1) / VW * VW);

        /// <summary>Whether the blocks are 6 filters x 4 taps rather than 4 x 6: when that rounds up fewer pairs. Both keep 24
        /// accumulators and load 10 vectors per 24 multiply-adds. LeNet-5's first layer (6 filters of 25 taps) rounds to 6 x 28
        /// pairs instead of 8 x 30: at batch 100 on one thread, the two taking turns, 313 against 398 us.</summary>
        private static bool SixFilterBlocks(in ConvGeometry g) =>
            (long)RoundUp(g.Filters, 6) * RoundUp(g.PatchSize, 4) < (long)RoundUp(g.Filters, 4) * RoundUp(g.PatchSize, 6);

        /// <summary>The filters and taps of a register block for <paramref name="g"/>.</summary>
        internal static (int Filters, int Taps) BlockOf(in ConvGeometry g) => SixFilterBlocks(g) ? (6, 4) : (4, 6);

        private static int FiltersPerBlock(in ConvGeometry g) => BlockOf(g).Filters;

        private static int TapsPerBlock(in ConvGeometry g) => BlockOf(g).Taps;

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

        private static int PaddedFilters(in ConvGeometry g) => RoundUp(g.Filters, FiltersPerBlock(g));

        private static int PaddedTaps(in ConvGeometry g) => RoundUp(g.PatchSize, TapsPerBlock(g));

        private static int Group(in ConvGeometry g) => Math.Max(1, GroupPositions / RunLength(g));

        private static long ImageInput(in ConvGeometry g) => (long)g.Channels * PaddedPlane(g);

        private static long ImageGradient(in ConvGeometry g) => (long)PaddedFilters(g) * RunLength(g);

        // The group's bordered inputs, slack (the last tap's run reads up to a vector plus a window's width past its image;
        // a run's worth is ample), the group's output gradients over the pitch, the partial sums carried from group to
        // group, and the taps' offsets.
        private static long SizeOf(in ConvGeometry g) =>
            Group(g) * (ImageInput(g) + ImageGradient(g)) + RunLength(g) + VW + (long)PaddedFilters(g) * PaddedTaps(g) * VW + PaddedTaps(g);

        /// <summary>Weight and bias gradients of <paramref name="batch"/> images on the calling thread, <b>overwriting</b> both
        /// (the bias gradient may be empty). <paramref name="scratch"/> holds <see cref="ScratchSize"/> floats.</summary>
        public static void FilterGradient(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Conv2D.OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch)
        {
            // (Applies bounds the scratch to 2^20 floats, so every offset into it fits an int.)
            int pitch = Pitch(g), run = RunLength(g), filters = PaddedFilters(g), taps = PaddedTaps(g), plane = (int)PaddedPlane(g);
            int group = Math.Min(Group(g), batch);
            long imageInput = ImageInput(g), imageGradient = ImageGradient(g);
            long inputs = group * imageInput + run + VW, gradients = group * imageGradient;
            Debug.Assert(scratch.Length >= SizeOf(g), "scratch smaller than ScratchSize");

            // Zeros where nothing is copied: the borders, the columns past the output's width, the rounding filters.
            // (The partial sums need no clearing: the first group starts its accumulators at zero.)
            scratch.Slice(0, (int)(inputs + gradients)).Clear();
            biasGradient.Clear();
            fixed (float* sp = scratch)
            fixed (float* xp = x)
            fixed (float* dwp = weightGradient)
            {
                float* bordered = sp, spread = sp + inputs, partial = spread + gradients;
                int* offsets = (int*)(partial + (long)filters * taps * VW);
                int k = g.Kernel;
                for (int t = 0; t < taps; t++)
                {
                    // Rounding taps read the first run (any finite values) into sums that are never used.
                    offsets[t] = t < g.PatchSize ? t / (k * k) * plane + t / k % k * pitch + t % k : 0;
                }

                for (int n0 = 0; n0 < batch; n0 += group)
                {
                    int count = Math.Min(group, batch - n0);
                    for (int i = 0; i < count; i++)
                    {
                        CopyBordered(g, xp + (long)(n0 + i) * g.InputSize, bordered + i * imageInput);
                        float* image = dy.Image(n0 + i);
                        SpreadOverPitch(g, image, spread + i * imageGradient, run);
                        Conv2D.AddPlaneSums(image, g.Filters, g.OutPlane, biasGradient);
                    }

                    var (filtersPerBlock, tapsPerBlock) = BlockOf(g);
                    bool sixFilters = filtersPerBlock == 6;
                    for (int f0 = 0; f0 < filters; f0 += filtersPerBlock)
                    {
                        for (int t0 = 0; t0 < taps; t0 += tapsPerBlock)
                        {
                            var pairs = new Pairs(dwp + f0 * g.PatchSize + t0, g.PatchSize, Math.Min(filtersPerBlock, g.Filters - f0),
                                Math.Min(tapsPerBlock, g.PatchSize - t0));
                            if (sixFilters)
                            {
                                Block6x4(spread + (long)f0 * run, run, imageGradient, bordered, imageInput, offsets + t0, count,
                                    partial + ((long)f0 * taps + t0) * VW, (long)taps * VW, n0 == 0, n0 + count == batch, pairs);
                            }
                            else
                            {
                                Block4x6(spread + (long)f0 * run, run, imageGradient, bordered, imageInput, offsets + t0, count,
                                    partial + ((long)f0 * taps + t0) * VW, (long)taps * VW, n0 == 0, n0 + count == batch, pairs);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>Where a block writes its sums: the weight gradient's entries for its filters (rows <see cref="Stride"/> apart)
        /// and taps, of which only the first <see cref="Filters"/> x <see cref="Taps"/> exist (the rest round the block up).</summary>
        private readonly struct Pairs
        {
            public Pairs(float* first, int stride, int filters, int taps)
            {
                First = first; Stride = stride; Filters = filters; Taps = taps;
            }

            public float* First { get; }

            public int Stride { get; }

            public int Filters { get; }

            public int Taps { get; }

            /// <summary>Writes the sums of the lanes of six accumulators (one filter, a 4 x 6 block's taps) to filter row <paramref name="row"/>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Set(int row, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5)
            {
                if (row >= Filters) return;
                float* p = First + (long)row * Stride;
                if (Taps == 6)
                {
                    p[0] = Vector512.Sum(a0); p[1] = Vector512.Sum(a1); p[2] = Vector512.Sum(a2);
                    p[3] = Vector512.Sum(a3); p[4] = Vector512.Sum(a4); p[5] = Vector512.Sum(a5);
                    return;
                }

                // Fewer taps than a block (the patch's last): the rest round the block up and have no entry.
                p[0] = Vector512.Sum(a0);
                if (Taps > 1) p[1] = Vector512.Sum(a1);
                if (Taps > 2) p[2] = Vector512.Sum(a2);
                if (Taps > 3) p[3] = Vector512.Sum(a3);
                if (Taps > 4) p[4] = Vector512.Sum(a4);
            }

            /// <summary>Writes the sums of the lanes of four accumulators (one filter, a 6 x 4 block's taps) to filter row <paramref name="row"/>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Set(int row, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
            {
                if (row >= Filters) return;
                float* p = First + (long)row * Stride;
                p[0] = Vector512.Sum(a0);
                if (Taps > 1) p[1] = Vector512.Sum(a1);
                if (Taps > 2) p[2] = Vector512.Sum(a2);
                if (Taps > 3) p[3] = Vector512.Sum(a3);
            }
        }

        /// <summary>Copies one image into the interior of its zero-bordered planes (pitch <c>W + 2P</c>).</summary>
        private static void CopyBordered(in ConvGeometry g, float* image, float* bordered)
        {
            int pitch = Pitch(g);
            long plane = PaddedPlane(g);
            uint rowBytes = (uint)(4 * g.Width);
            for (int c = 0; c < g.Channels; c++)
            {
                float* source = image + (long)c * g.Height * g.Width, target = bordered + (long)c * plane + g.Pad * pitch + g.Pad;
                for (int h = 0; h < g.Height; h++) Unsafe.CopyBlockUnaligned(target + h * pitch, source + h * g.Width, rowBytes);
            }
        }

        /// <summary>Copies one image's output gradient to rows <paramref name="run"/> floats apart per filter, each output row at
        /// the pitch (the columns between stay zero).</summary>
        private static void SpreadOverPitch(in ConvGeometry g, float* gradient, float* spread, int run)
        {
            int pitch = Pitch(g), width = g.OutWidth;
            uint rowBytes = (uint)(4 * width);
            for (int f = 0; f < g.Filters; f++)
            {
                float* source = gradient + (long)f * g.OutPlane, target = spread + (long)f * run;
                for (int r = 0; r < g.OutHeight; r++) Unsafe.CopyBlockUnaligned(target + r * pitch, source + r * width, rowBytes);
            }
        }

        /// <summary>The dot products of 4 output-gradient runs (<paramref name="runStride"/> apart) with 6 tap runs (at
        /// <paramref name="offsets"/> from <paramref name="input"/>) over a group of <paramref name="images"/> images, in 24
        /// vector accumulators: started at zero for the first group, else taken from <paramref name="partial"/> (filter row i
        /// at <c>i * partialStride</c>); stored back there after every group but the last, whose lanes are summed into the
        /// block's weight-gradient entries (<paramref name="pairs"/>).</summary>
        private static void Block4x6(float* gradient, int runStride, long gradientStride, float* input, long inputStride, int* offsets,
            int images, float* partial, long partialStride, bool firstGroup, bool lastGroup, Pairs pairs)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default, a35 = default;
            float* r0 = partial, r1 = partial + partialStride, r2 = partial + 2 * partialStride, r3 = partial + 3 * partialStride;
            if (!firstGroup)
            {
                a00 = Vector512.Load(r0); a01 = Vector512.Load(r0 + 16); a02 = Vector512.Load(r0 + 32); a03 = Vector512.Load(r0 + 48); a04 = Vector512.Load(r0 + 64); a05 = Vector512.Load(r0 + 80);
                a10 = Vector512.Load(r1); a11 = Vector512.Load(r1 + 16); a12 = Vector512.Load(r1 + 32); a13 = Vector512.Load(r1 + 48); a14 = Vector512.Load(r1 + 64); a15 = Vector512.Load(r1 + 80);
                a20 = Vector512.Load(r2); a21 = Vector512.Load(r2 + 16); a22 = Vector512.Load(r2 + 32); a23 = Vector512.Load(r2 + 48); a24 = Vector512.Load(r2 + 64); a25 = Vector512.Load(r2 + 80);
                a30 = Vector512.Load(r3); a31 = Vector512.Load(r3 + 16); a32 = Vector512.Load(r3 + 32); a33 = Vector512.Load(r3 + 48); a34 = Vector512.Load(r3 + 64); a35 = Vector512.Load(r3 + 80);
            }

            for (int i = 0; i < images; i++)
            {
                float* x0 = input + i * inputStride, x1 = x0 + offsets[1], x2 = x0 + offsets[2], x3 = x0 + offsets[3], x4 = x0 + offsets[4], x5 = x0 + offsets[5];
                x0 += offsets[0];
                float* d0 = gradient + i * gradientStride, d1 = d0 + runStride, d2 = d0 + 2 * runStride, d3 = d0 + 3 * runStride;
                for (int q = 0; q < runStride; q += VW)
                {
                    Vector512<float> v0 = Vector512.Load(x0 + q), v1 = Vector512.Load(x1 + q), v2 = Vector512.Load(x2 + q);
                    Vector512<float> v3 = Vector512.Load(x3 + q), v4 = Vector512.Load(x4 + q), v5 = Vector512.Load(x5 + q);
                    Vector512<float> e = Vector512.Load(d0 + q);
                    a00 = Vector512.FusedMultiplyAdd(e, v0, a00); a01 = Vector512.FusedMultiplyAdd(e, v1, a01); a02 = Vector512.FusedMultiplyAdd(e, v2, a02);
                    a03 = Vector512.FusedMultiplyAdd(e, v3, a03); a04 = Vector512.FusedMultiplyAdd(e, v4, a04); a05 = Vector512.FusedMultiplyAdd(e, v5, a05);
                    e = Vector512.Load(d1 + q);
                    a10 = Vector512.FusedMultiplyAdd(e, v0, a10); a11 = Vector512.FusedMultiplyAdd(e, v1, a11); a12 = Vector512.FusedMultiplyAdd(e, v2, a12);
                    a13 = Vector512.FusedMultiplyAdd(e, v3, a13); a14 = Vector512.FusedMultiplyAdd(e, v4, a14); a15 = Vector512.FusedMultiplyAdd(e, v5, a15);
                    e = Vector512.Load(d2 + q);
                    a20 = Vector512.FusedMultiplyAdd(e, v0, a20); a21 = Vector512.FusedMultiplyAdd(e, v1, a21); a22 = Vector512.FusedMultiplyAdd(e, v2, a22);
                    a23 = Vector512.FusedMultiplyAdd(e, v3, a23); a24 = Vector512.FusedMultiplyAdd(e, v4, a24); a25 = Vector512.FusedMultiplyAdd(e, v5, a25);
                    e = Vector512.Load(d3 + q);
                    a30 = Vector512.FusedMultiplyAdd(e, v0, a30); a31 = Vector512.FusedMultiplyAdd(e, v1, a31); a32 = Vector512.FusedMultiplyAdd(e, v2, a32);
                    a33 = Vector512.FusedMultiplyAdd(e, v3, a33); a34 = Vector512.FusedMultiplyAdd(e, v4, a34); a35 = Vector512.FusedMultiplyAdd(e, v5, a35);
                }
            }

            if (!lastGroup)
            {
                a00.Store(r0); a01.Store(r0 + 16); a02.Store(r0 + 32); a03.Store(r0 + 48); a04.Store(r0 + 64); a05.Store(r0 + 80);
                a10.Store(r1); a11.Store(r1 + 16); a12.Store(r1 + 32); a13.Store(r1 + 48); a14.Store(r1 + 64); a15.Store(r1 + 80);
                a20.Store(r2); a21.Store(r2 + 16); a22.Store(r2 + 32); a23.Store(r2 + 48); a24.Store(r2 + 64); a25.Store(r2 + 80);
                a30.Store(r3); a31.Store(r3 + 16); a32.Store(r3 + 32); a33.Store(r3 + 48); a34.Store(r3 + 64); a35.Store(r3 + 80);
                return;
            }

            pairs.Set(0, a00, a01, a02, a03, a04, a05);
            pairs.Set(1, a10, a11, a12, a13, a14, a15);
            pairs.Set(2, a20, a21, a22, a23, a24, a25);
            pairs.Set(3, a30, a31, a32, a33, a34, a35);
        }

        /// <summary>As <see cref="Block4x6"/>, for 6 output-gradient runs and 4 tap runs (filter row i of the partial sums at
        /// <c>i * partialStride</c>, its 4 taps' accumulators one after the other).</summary>
        private static void Block6x4(float* gradient, int runStride, long gradientStride, float* input, long inputStride, int* offsets,
            int images, float* partial, long partialStride, bool firstGroup, bool lastGroup, Pairs pairs)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
            Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
            float* r0 = partial, r1 = partial + partialStride, r2 = partial + 2 * partialStride;
            float* r3 = partial + 3 * partialStride, r4 = partial + 4 * partialStride, r5 = partial + 5 * partialStride;
            if (!firstGroup)
            {
                a00 = Vector512.Load(r0); a01 = Vector512.Load(r0 + 16); a02 = Vector512.Load(r0 + 32); a03 = Vector512.Load(r0 + 48);
                a10 = Vector512.Load(r1); a11 = Vector512.Load(r1 + 16); a12 = Vector512.Load(r1 + 32); a13 = Vector512.Load(r1 + 48);
                a20 = Vector512.Load(r2); a21 = Vector512.Load(r2 + 16); a22 = Vector512.Load(r2 + 32); a23 = Vector512.Load(r2 + 48);
                a30 = Vector512.Load(r3); a31 = Vector512.Load(r3 + 16); a32 = Vector512.Load(r3 + 32); a33 = Vector512.Load(r3 + 48);
                a40 = Vector512.Load(r4); a41 = Vector512.Load(r4 + 16); a42 = Vector512.Load(r4 + 32); a43 = Vector512.Load(r4 + 48);
                a50 = Vector512.Load(r5); a51 = Vector512.Load(r5 + 16); a52 = Vector512.Load(r5 + 32); a53 = Vector512.Load(r5 + 48);
            }

            for (int i = 0; i < images; i++)
            {
                float* x0 = input + i * inputStride, x1 = x0 + offsets[1], x2 = x0 + offsets[2], x3 = x0 + offsets[3];
                x0 += offsets[0];
                float* d0 = gradient + i * gradientStride;
                for (int q = 0; q < runStride; q += VW)
                {
                    Vector512<float> v0 = Vector512.Load(x0 + q), v1 = Vector512.Load(x1 + q), v2 = Vector512.Load(x2 + q), v3 = Vector512.Load(x3 + q);
                    Vector512<float> e = Vector512.Load(d0 + q);
                    a00 = Vector512.FusedMultiplyAdd(e, v0, a00); a01 = Vector512.FusedMultiplyAdd(e, v1, a01); a02 = Vector512.FusedMultiplyAdd(e, v2, a02); a03 = Vector512.FusedMultiplyAdd(e, v3, a03);
                    e = Vector512.Load(d0 + runStride + q);
                    a10 = Vector512.FusedMultiplyAdd(e, v0, a10); a11 = Vector512.FusedMultiplyAdd(e, v1, a11); a12 = Vector512.FusedMultiplyAdd(e, v2, a12); a13 = Vector512.FusedMultiplyAdd(e, v3, a13);
                    e = Vector512.Load(d0 + 2 * runStride + q);
                    a20 = Vector512.FusedMultiplyAdd(e, v0, a20); a21 = Vector512.FusedMultiplyAdd(e, v1, a21); a22 = Vector512.FusedMultiplyAdd(e, v2, a22); a23 = Vector512.FusedMultiplyAdd(e, v3, a23);
                    e = Vector512.Load(d0 + 3 * runStride + q);
                    a30 = Vector512.FusedMultiplyAdd(e, v0, a30); a31 = Vector512.FusedMultiplyAdd(e, v1, a31); a32 = Vector512.FusedMultiplyAdd(e, v2, a32); a33 = Vector512.FusedMultiplyAdd(e, v3, a33);
                    e = Vector512.Load(d0 + 4 * runStride + q);
                    a40 = Vector512.FusedMultiplyAdd(e, v0, a40); a41 = Vector512.FusedMultiplyAdd(e, v1, a41); a42 = Vector512.FusedMultiplyAdd(e, v2, a42); a43 = Vector512.FusedMultiplyAdd(e, v3, a43);
                    e = Vector512.Load(d0 + 5 * runStride + q);
                    a50 = Vector512.FusedMultiplyAdd(e, v0, a50); a51 = Vector512.FusedMultiplyAdd(e, v1, a51); a52 = Vector512.FusedMultiplyAdd(e, v2, a52); a53 = Vector512.FusedMultiplyAdd(e, v3, a53);
                }
            }

            if (!lastGroup)
            {
                a00.Store(r0); a01.Store(r0 + 16); a02.Store(r0 + 32); a03.Store(r0 + 48);
                a10.Store(r1); a11.Store(r1 + 16); a12.Store(r1 + 32); a13.Store(r1 + 48);
                a20.Store(r2); a21.Store(r2 + 16); a22.Store(r2 + 32); a23.Store(r2 + 48);
                a30.Store(r3); a31.Store(r3 + 16); a32.Store(r3 + 32); a33.Store(r3 + 48);
                a40.Store(r4); a41.Store(r4 + 16); a42.Store(r4 + 32); a43.Store(r4 + 48);
                a50.Store(r5); a51.Store(r5 + 16); a52.Store(r5 + 32); a53.Store(r5 + 48);
                return;
            }

            pairs.Set(0, a00, a01, a02, a03);
            pairs.Set(1, a10, a11, a12, a13);
            pairs.Set(2, a20, a21, a22, a23);
            pairs.Set(3, a30, a31, a32, a33);
            pairs.Set(4, a40, a41, a42, a43);
            pairs.Set(5, a50, a51, a52, a53);
        }
    }
}
