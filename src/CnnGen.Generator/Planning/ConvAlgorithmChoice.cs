namespace CnnGen.Generator.Planning
{
    /// <summary>
    /// The algorithms the runtime's Conv2D picks for a shape on an AVX-512 machine, forward and backward, for the generated
    /// comments. Mirrors <c>CnnGen.Kernels.ConvAlgorithm</c>; a generator test compares the two over many shapes, so a
    /// change to the runtime's routing that is not made here fails the build's tests.
    /// </summary>
    internal static class ConvAlgorithmChoice
    {
        private const long FilterBlock = 6, RowBlock = 4, VectorWidth = 16;

        public static string ForwardOnAvx512(long channels, long height, long width, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
            if (Winograd(channels, filters, kernel, stride, pad, outHeight, outWidth)) return "Winograd F(2x2, 3x3)";
            if (FiltersInLanes(channels, width, filters, kernel, stride, pad, outHeight, outWidth)) return "direct, filters in lanes";
            if (DirectUnpadded(channels, filters, kernel, stride, pad, outHeight, outWidth)) return "direct";
            if (RowPitch(channels, width, filters, kernel, stride, pad, outHeight, outWidth)) return "direct over the row pitch";
            if (pad > 0 && stride == 1 && DirectUnpadded(channels, filters, kernel, 1, 0, height + 2 * pad - kernel + 1, width + 2 * pad - kernel + 1))
            {
                return "direct on a zero-bordered copy";
            }

            if (stride == 1 && pad == 0 && outWidth >= 8 && channels <= 4 && kernel > 1) return "direct, few channels";
            if (kernel == 1 && stride == 1 && pad == 0) return "pointwise GEMM";
            return "im2col + GEMM";
        }

        /// <summary>The filter-gradient algorithm (mirrors <c>CnnGen.Kernels.ConvAlgorithm.FilterGradient</c>).</summary>
        public static string FilterGradientOnAvx512(long channels, long height, long width, long filters, long kernel, long stride, long pad,
            long outHeight, long outWidth)
        {
            long plane = outHeight * outWidth, patch = channels * kernel * kernel;
            bool pointwise = kernel == 1 && stride == 1 && pad == 0;
            bool directDots = !pointwise && filters * patch <= 4096 && plane >= VectorWidth;
            if (WinogradFilterGradient(channels, filters, kernel, stride, pad, outHeight, outWidth)) return "Winograd F(2x2, 3x3)";
            // Mirrors CnnGen.Kernels.FilterGradientFiltersInLanes.Applies.
            if (stride == 1 && pad == 0 && kernel == 5 && channels >= 4 && ((filters >= 12 && filters <= 16) || (filters >= 24 && filters <= 32)) && plane >= 16)
            {
                return "filters in lanes";
            }

            if (OverRowPitch(channels, height, width, filters, kernel, stride, pad, outHeight, outWidth, directDots))
            {
                // A plane under 512 positions over the pitch takes the dot products only from 16 images a thread.
                const string overPitch = "dot products over the row pitch";
                return outHeight * (width + 2 * pad) >= 512 ? overPitch : overPitch + " from 16 images a thread, else " + ForFewImages();
            }

            return ForFewImages();

            string ForFewImages()
            {
                if (filters >= 8 && filters <= 384 && plane >= 16 && (patch >= 64 || !directDots)) return "transposed product";
                if (directDots) return "direct dot products";
                if (stride == 1 && pad == 0 && outWidth >= 8 && channels <= 4 && kernel > 1) return "direct, few channels";
                return pointwise ? "pointwise GEMM" : "im2col + GEMM";
            }
        }

        /// <summary>The input-gradient algorithm (mirrors <c>CnnGen.Kernels.ConvAlgorithm.InputGradient</c>): with stride 1 the
        /// convolution of the output gradient with the flipped filters, padded by K - 1 - P, whose output is the input's size.</summary>
        public static string InputGradientOnAvx512(long channels, long height, long width, long filters, long kernel, long stride, long pad)
        {
            bool flipped = stride == 1 && pad <= kernel - 1 &&
                (DirectUnpadded(filters, channels, kernel, 1, 0, height, width) ||
                 RowPitch(filters, width - kernel + 1 + 2 * pad, channels, kernel, 1, kernel - 1 - pad, height, width) ||
                 FiltersInLanes(filters, width - kernel + 1 + 2 * pad, channels, kernel, 1, kernel - 1 - pad, height, width) ||
                 Winograd(filters, channels, kernel, 1, kernel - 1 - pad, height, width));
            // Mirrors CnnGen.Kernels.InputGradientFiltersInLanes.Applies: a multiple of 16 filters up to 64, channels rounding
            // up to a multiple of six by at most a third, and the flipped convolution absent or computing at least 1.75 times
            // the useful multiply-adds (the input plane over the bordered pitch against the output plane).
            if (stride == 1 && kernel > 1 && filters % VectorWidth == 0 && filters <= 64 && 3 * ((channels + 5) / 6 * 6) <= 4 * channels)
            {
                long outHeight = height + 2 * pad - kernel + 1, outWidth = width + 2 * pad - kernel + 1;
                if (!flipped || 4 * height * (outWidth + 2 * (kernel - 1 - pad)) >= 7 * outHeight * outWidth)
                {
                    return "direct, output gradient's filters in lanes";
                }
            }

            if (flipped)
            {
                return "convolution with the flipped filters";
            }

            return kernel == 1 && stride == 1 && pad == 0 ? "pointwise GEMM" : "GEMM + col2im";
        }

        /// <summary>The filter-gradient algorithm through a max pool fed by a ReLU (mirrors
        /// <c>CnnGen.Kernels.ConvAlgorithm.FilterGradientThroughMaxPool</c>): the windows' arg-max patches for one input channel,
        /// stride 1, no padding and a window of 2 x 2 to 8 x 8, where at most half the windows pass a gradient.</summary>
        public static string FilterGradientThroughMaxPoolOnAvx512(long channels, long height, long width, long filters, long kernel, long stride,
            long pad, long outHeight, long outWidth)
        {
            string dense = FilterGradientOnAvx512(channels, height, width, filters, kernel, stride, pad, outHeight, outWidth);
            return channels == 1 && stride == 1 && pad == 0 && kernel >= 2 && kernel <= 8
                ? "the windows' arg-max patches where at most half the windows pass, else " + dense
                : dense;
        }

        /// <summary>The comment on a convolution's backward step: its filter-gradient algorithm and, unless it is the first
        /// layer, its input-gradient one (AVX-512).</summary>
        public static string BackwardOnAvx512(long channels, long height, long width, long filters, long kernel, long stride, long pad,
            long outHeight, long outWidth, bool inputGradient) =>
            "[filter gradient: " + FilterGradientOnAvx512(channels, height, width, filters, kernel, stride, pad, outHeight, outWidth) +
            (inputGradient ? "; input gradient: " + InputGradientOnAvx512(channels, height, width, filters, kernel, stride, pad) : string.Empty) +
            " on AVX-512]";

        /// <summary>Mirrors <c>CnnGen.Kernels.FilterGradientOverPitch.AppliesToShape</c>: stride 1, a real window, rows at most
        /// twice as long with the padded pitch, at least 64 positions a plane over the pitch, not a shape the 5 x 5
        /// dot-product blocks cover exactly, and bounded scratch.</summary>
        private static bool OverRowPitch(long channels, long height, long width, long filters, long kernel, long stride, long pad,
            long outHeight, long outWidth, bool directDots)
        {
            long pitch = width + 2 * pad, patch = channels * kernel * kernel;
            if (stride != 1 || kernel == 1 || pitch > 2 * outWidth || outHeight * pitch < 64) return false;
            // The direct dot products keep a shape their 5 x 5 blocks cover exactly, when they would take it at all.
            bool productTakesIt = patch >= 64 && filters >= 8 && filters <= 384 && outHeight * outWidth >= 16;
            if (filters % 5 == 0 && patch % 5 == 0 && directDots && !productTakesIt) return false;
            // Blocks of 4 filters x 6 taps, or 6 x 4 where that rounds up fewer pairs.
            long paddedFilters = (filters + 3) / 4 * 4, paddedTaps = (patch + 5) / 6 * 6;
            if ((filters + 5) / 6 * 6 * ((patch + 3) / 4 * 4) < paddedFilters * paddedTaps)
            {
                paddedFilters = (filters + 5) / 6 * 6;
                paddedTaps = (patch + 3) / 4 * 4;
            }

            long run = (outHeight * pitch + VectorWidth - 1) / VectorWidth * VectorWidth;
            long group = System.Math.Max(1, 1024 / run);
            long scratch = group * (channels * (height + 2 * pad) * pitch + paddedFilters * run) + run + VectorWidth +
                           paddedFilters * paddedTaps * VectorWidth + paddedTaps;
            return paddedFilters * paddedTaps <= 16384 && scratch <= 1 << 20;
        }

        /// <summary>Mirrors <c>CnnGen.Kernels.ConvWinograd.Applies</c>: a 3x3 window at stride 1 with padding up to 2, a multiple of 8
        /// filters, at least 2 output rows, rows of 15 or 16 columns or a multiple of 32, at least 12 channels, and not a shape the
        /// unpadded direct kernel takes.</summary>
        private static bool Winograd(long channels, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
            long tileColumns = (outWidth + 1) / 2;
            return kernel == 3 && stride == 1 && pad <= 2 && filters % 8 == 0 && outHeight >= 2 && (tileColumns == 8 || tileColumns % 16 == 0) &&
                   channels >= 12 && !DirectUnpadded(channels, filters, kernel, stride, pad, outHeight, outWidth);
        }

        /// <summary>Mirrors <c>CnnGen.Kernels.ConvWinograd.AppliesFilterGradient</c>: the forward kernel's shapes with even output
        /// sizes, whole pairs of eight-tile rows when 16 wide, and a multiple of 4 channels.</summary>
        private static bool WinogradFilterGradient(long channels, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
            long tileColumns = (outWidth + 1) / 2, tileRows = (outHeight + 1) / 2;
            return Winograd(channels, filters, kernel, stride, pad, outHeight, outWidth) && outHeight % 2 == 0 && outWidth % 2 == 0 &&
                   channels % 4 == 0 && (tileColumns != 8 || tileRows % 2 == 0);
        }

        /// <summary>Mirrors <c>CnnGen.Kernels.ConvFiltersInLanes.Applies</c>: stride 1, a multiple of 16 filters up to 64, rows of
        /// 4 to 15 columns, at most 2,048 taps; where the kernel over the row pitch applies, only rows at least 15% shorter than
        /// their pitch and patches of at least 96 taps.</summary>
        private static bool FiltersInLanes(long channels, long width, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
            long patch = channels * kernel * kernel, pitch = width + 2 * pad;
            if (stride != 1 || kernel == 1 || filters % VectorWidth != 0 || filters > 64 || outWidth < 4 || outWidth >= VectorWidth || patch > 2048)
            {
                return false;
            }

            return !RowPitch(channels, width, filters, kernel, stride, pad, outHeight, outWidth) || (pitch * 20 >= outWidth * 23 && patch >= 96);
        }

        private static bool FitsRegisters(long patch, long filters) => patch <= 64 || (patch <= 512 && filters <= 64);

        private static bool DirectUnpadded(long channels, long filters, long kernel, long stride, long pad, long outHeight, long outWidth) =>
            stride == 1 && pad == 0 && kernel > 1 && outWidth >= VectorWidth && outHeight >= RowBlock && filters >= FilterBlock &&
            FitsRegisters(channels * kernel * kernel, filters);

        private static bool RowPitch(long channels, long width, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
            if (stride != 1 || kernel == 1 || outWidth >= VectorWidth || filters < FilterBlock || !FitsRegisters(channels * kernel * kernel, filters))
            {
                return false;
            }

            long pitch = width + 2 * pad;
            return outHeight * pitch >= RowBlock * VectorWidth && pitch <= 2 * outWidth;
        }
    }
}
