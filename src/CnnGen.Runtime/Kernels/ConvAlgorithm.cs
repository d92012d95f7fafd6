namespace CnnGen.Kernels
{
    /// <summary>
    /// Names the algorithms <see cref="Conv2D"/> picks for a shape on this machine, forward and backward. The generator writes
    /// the AVX-512 choices into each convolution's comments; a test holds the two in agreement.
    /// </summary>
    public static class ConvAlgorithm
    {
        /// <summary>Direct kernel: 6 filters x 4 output rows x 16 columns per register block (AVX-512).</summary>
        public const string Direct = "direct";
        /// <summary>Direct kernel over the input's row pitch, for output rows narrower than a vector (AVX-512).</summary>
        public const string DirectOverRowPitch = "direct over the row pitch";
        /// <summary>Direct kernel on a zero-bordered copy of each image, for padded convolutions (AVX-512).</summary>
        public const string DirectOnBorderedCopy = "direct on a zero-bordered copy";
        /// <summary>Winograd's F(2x2, 3x3): 16 multiplications per 2x2 outputs, channel and filter instead of 36, forward, and
        /// its adjoint for the filter gradient (AVX-512).</summary>
        public const string Winograd = "Winograd F(2x2, 3x3)";
        /// <summary>Direct kernel with sixteen filters per vector, for output rows narrower than a vector (AVX-512).</summary>
        public const string DirectFiltersInLanes = "direct, filters in lanes";
        /// <summary>Direct kernel for up to 4 input channels (AVX2 and wider).</summary>
        public const string DirectFewChannels = "direct, few channels";
        /// <summary>A 1x1 stride-1 convolution: the image already is its column matrix.</summary>
        public const string PointwiseGemm = "pointwise GEMM";
        /// <summary>The notes' baseline: unfold each image, one matrix product.</summary>
        public const string Im2ColGemm = "im2col + GEMM";

        /// <summary>Filter gradient: <c>dWᵀ += col_n dy_nᵀ</c> by register tiles reading each image's transposed output
        /// gradient in place (AVX-512).</summary>
        public const string TransposedProduct = "transposed product";
        /// <summary>Filter gradient: the output gradient's filters in the vector lanes, each position adding them times one
        /// broadcast input per tap (5 x 5, unpadded, AVX-512).</summary>
        public const string FilterGradientFiltersInLanes = "filters in lanes";
        /// <summary>Filter gradient: dot products of the output gradient with the shifted inputs laid over the padded row
        /// pitch, 4 filters x 6 taps or 6 x 4 per block, without a column matrix (stride 1, AVX-512).</summary>
        public const string DotProductsOverRowPitch = "dot products over the row pitch";
        /// <summary>Filter gradient: dot products of the output gradient with shifted inputs, 5 x 5 per block (AVX-512).</summary>
        public const string DirectDotProducts = "direct dot products";
        /// <summary>Input gradient: the convolution of the output gradient with the flipped, transposed filters (AVX-512).</summary>
        public const string FlippedConvolution = "convolution with the flipped filters";
        /// <summary>Input gradient: sums over the output gradient's filters in the vector lanes, taking only the taps that meet
        /// it, for small planes under large windows (AVX-512).</summary>
        public const string InputGradientFiltersInLanes = "direct, output gradient's filters in lanes";
        /// <summary>Input gradient: <c>Wᵀ dy</c> per image, folded back by col2im.</summary>
        public const string GemmCol2Im = "GEMM + col2im";

        /// <summary>The filter-gradient algorithm <see cref="Conv2D.BackwardFilter"/> uses for <paramref name="g"/> at the current level.</summary>
        /// <remarks>A plane too short for the dot products over the row pitch at any batch gets them from
        /// <see cref="FilterGradientOverPitch.MinImagesForShortPlanes"/> images a thread, and the algorithm named after "else"
        /// below that.</remarks>
        public static string FilterGradient(in ConvGeometry g) =>
            ConvWinograd.AppliesFilterGradient(g) ? Winograd
            : Kernels.FilterGradientFiltersInLanes.Applies(g) ? FilterGradientFiltersInLanes
            : FilterGradientOverPitch.TakesEveryBatch(g) ? DotProductsOverRowPitch
            : FilterGradientOverPitch.AppliesToShape(g)
                ? $"{DotProductsOverRowPitch} from {FilterGradientOverPitch.MinImagesForShortPlanes} images a thread, else {FilterGradientForFewImages(g)}"
            : FilterGradientForFewImages(g);

        /// <summary>The filter-gradient algorithm where neither Winograd's form nor the dot products over the row pitch take the shape.</summary>
        private static string FilterGradientForFewImages(in ConvGeometry g) =>
            Conv2D.FilterGradientByProduct(g) ? TransposedProduct
            : ConvDirectWide.AppliesFilterGradient(g) ? DirectDotProducts
            : ConvDirect.Applies(g) ? DirectFewChannels
            : g.Kernel == 1 && g.Stride == 1 && g.Pad == 0 ? PointwiseGemm
            : Im2ColGemm;

        /// <summary>The filter-gradient algorithm <see cref="Conv2D.BackwardFilterThroughMaxPool"/> uses for <paramref name="g"/>:
        /// the windows' arg-max patches where <see cref="FilterGradientFromArgMax"/> takes the shape and at most half of the
        /// windows pass a gradient, else <see cref="FilterGradient"/>'s.</summary>
        public static string FilterGradientThroughMaxPool(in ConvGeometry g) =>
            FilterGradientFromArgMax.Applies(g) ? $"{WindowsArgMaxPatches} where at most half the windows pass, else {FilterGradient(g)}" : FilterGradient(g);

        /// <summary>Filter gradient through a max pool: each window that passes a gradient adds it times its arg-max's input patch.</summary>
        public const string WindowsArgMaxPatches = "the windows' arg-max patches";

        /// <summary>The input-gradient algorithm <see cref="Conv2D.BackwardData"/> uses for <paramref name="g"/> at the current level.</summary>
        public static string InputGradient(in ConvGeometry g) =>
            Kernels.InputGradientFiltersInLanes.Applies(g) ? InputGradientFiltersInLanes
            : Conv2D.BackwardDataIsConvolution(g, out _) ? FlippedConvolution
            : g.Kernel == 1 && g.Stride == 1 && g.Pad == 0 ? PointwiseGemm
            : GemmCol2Im;

        /// <summary>The forward algorithm <see cref="Conv2D.Forward"/> uses for <paramref name="g"/> at the current <see cref="KernelDispatch.Level"/>.</summary>
        public static string Forward(in ConvGeometry g) =>
            ConvWinograd.Applies(g) ? Winograd
            : ConvFiltersInLanes.Applies(g) ? DirectFiltersInLanes
            : ConvDirectWide.AppliesForward(g) ? Direct
            : ConvDirectWide.AppliesForwardFlat(g) ? DirectOverRowPitch
            : ConvDirectWide.AppliesForwardPadded(g) ? DirectOnBorderedCopy
            : ConvDirect.Applies(g) ? DirectFewChannels
            : g.Kernel == 1 && g.Stride == 1 && g.Pad == 0 ? PointwiseGemm
            : Im2ColGemm;
    }
}
