namespace CnnGen.Generator.Planning
{
    /// <summary>
    /// The forward algorithm the runtime's Conv2D picks for a shape on an AVX-512 machine, for the generated comment.
    /// Mirrors <c>CnnGen.Kernels.ConvAlgorithm.Forward</c>; a generator test compares the two over many shapes, so a
    /// change to the runtime's routing that is not made here fails the build's tests.
    /// </summary>
    internal static class ConvAlgorithmChoice
    {
        private const long FilterBlock = 6, RowBlock = 4, VectorWidth = 16;

        public static string ForwardOnAvx512(long channels, long height, long width, long filters, long kernel, long stride, long pad, long outHeight, long outWidth)
        {
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
