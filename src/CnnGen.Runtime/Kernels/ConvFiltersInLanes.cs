using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Direct convolution with the filters in the vector lanes (AVX-512), for small output planes and a multiple of sixteen
    /// filters: each accumulator holds one output position's sixteen filters, and a tap adds one broadcast input times the
    /// tap's sixteen weights. Where the other direct kernels put output positions in the lanes, a plane of narrow rows
    /// (LeNet-5's 10 x 10, say) leaves lanes idle or computes padding columns: over the row pitch, 16 filters on a
    /// 10 x 10 plane took 28,800 multiply-adds for 15,000 useful ones. Here every multiply-add is useful and each weight
    /// vector, loaded once per tap, feeds up to 24 of them (two output rows times up to twelve columns). The price is a
    /// transpose of every block's results into the planes of the NCHW output, a scalar copy of 16 values per position.
    /// </summary>
    internal static unsafe class ConvFiltersInLanes
    {
        private const int Lanes = 16, MaxColumns = 12, MaxRows = 2;

        /// <summary>
        /// Whether <see cref="Forward"/> takes <paramref name="g"/> (by measurement, one thread, batch 50-100): stride 1, a real
        /// window, a multiple of 16 filters (at most 64), output rows of 4 to 15 columns (narrower than a vector, wide enough
        /// for 8 accumulators), on AVX-512. Where no other direct kernel applies it took a third to two thirds of the time
        /// of im2col + GEMM (16 filters on 5 x 5 and 64 on 7 x 7 planes). Where the kernel over the row pitch applies, it
        /// gains in proportion to that kernel's padding columns: 0.65x the time for LeNet-5's second layer (pitch 14 for
        /// rows of 10), 0.54x for a 12 x 12 input to 5 x 5 filters, 0.95x for rows of 12 with a pitch of 14; but it took
        /// 1.24x for rows of 15 with a pitch of 17, and 1.2x for a 75-tap patch (<c>conv-forward</c> in the benchmarks), where the transpose of each block weighs
        /// more. So it leaves the pitch kernel rows within 15% of their pitch and patches under 96 taps.
        /// </summary>
        public static bool Applies(in ConvGeometry g)
        {
            if (!Eligible(g)) return false;
            int pitch = g.Width + 2 * g.Pad;
            return !ConvDirectWide.AppliesForwardFlat(g) || (pitch * 20 >= g.OutWidth * 23 && g.PatchSize >= 96);
        }

        /// <summary>Whether <see cref="Forward"/> can compute <paramref name="g"/> at all (whether it should is <see cref="Applies"/>;
        /// the <c>conv-forward</c> benchmark times it on shapes on both sides of that choice).</summary>
        internal static bool Eligible(in ConvGeometry g) =>
            g.Stride == 1 && g.Kernel > 1 && g.Filters % Lanes == 0 && g.Filters <= 64 && g.OutWidth >= 4 && g.OutWidth < Lanes &&
            g.PatchSize <= 2048 && KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated && Avx2.IsSupported;

        /// <summary>Floats of scratch one thread needs: the weights packed tap by tap, then a zero-bordered copy of one image
        /// when the layer pads.</summary>
        public static int ScratchSize(in ConvGeometry g) =>
            !Eligible(g) ? 0 : g.WeightSize + (g.Pad > 0 ? g.Channels * (g.Height + 2 * g.Pad) * (g.Width + 2 * g.Pad) : 0);

        /// <summary><paramref name="batch"/> images: <c>y[f] = b[f] + sum over c, ky, kx of W[f,c,ky,kx] x[c, . + ky, . + kx]</c>,
        /// rectified as it is stored when <paramref name="relu"/> is set. <paramref name="bias"/> may be empty.</summary>
        public static void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> y, Span<float> scratch, bool relu)
        {
            int filters = g.Filters, patch = g.PatchSize, k = g.Kernel, p = g.Pad;
            int pitch = g.Width + 2 * p, inPlane = (g.Height + 2 * p) * pitch;
            int* offsets = stackalloc int[patch];
            for (int c = 0, t = 0; c < g.Channels; c++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++, t++) offsets[t] = c * inPlane + ky * pitch + kx;
                }
            }

            // Columns in equal chunks of at most twelve, two rows at a time: up to 24 accumulators.
            int chunks = (g.OutWidth + MaxColumns - 1) / MaxColumns;
            int columns = (g.OutWidth + chunks - 1) / chunks;
            int rows = g.OutHeight >= MaxRows ? MaxRows : 1;
            float* stage = stackalloc float[MaxRows * MaxColumns * Lanes];
            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (float* sp = scratch)
            {
                // packed[t * filters + f] = W[f, t]: the weights of one tap for sixteen filters are one vector (a scalar
                // transpose took 1.9 us for LeNet-5's 16 x 150, a third of the convolution at batch 1; gathering eight at a
                // time 2.1-3.6 us in a one-off timing, the blocked transpose 0.2-1.1 us).
                float* packed = sp;
                GemmBlocked.Transpose(wp, patch, filters, patch, packed, filters);

                float* bordered = sp + g.WeightSize;
                if (p > 0) new Span<float>(bordered, g.Channels * inPlane).Clear();
                var job = new Job(g, offsets, packed, bias.IsEmpty ? null : bp, stage, relu);
                for (int n = 0; n < batch; n++)
                {
                    float* image = xp + (long)n * g.InputSize;
                    if (p > 0)
                    {
                        BorderedImage.CopyInterior(g, image, bordered, pitch, inPlane);
                        image = bordered;
                    }

                    job.Run(rows, columns, image, yp + (long)n * g.OutputSize);
                }
            }
        }

        /// <summary>One layer's constants and pointers, so the generic block loops take few arguments.</summary>
        private readonly struct Job
        {
            private readonly int _filters, _patch, _pitch, _outHeight, _outWidth;
            private readonly int* _offsets;
            private readonly float* _packed, _bias, _stage;
            private readonly bool _relu;

            public Job(in ConvGeometry g, int* offsets, float* packed, float* bias, float* stage, bool relu)
            {
                _filters = g.Filters;
                _patch = g.PatchSize;
                _pitch = g.Width + 2 * g.Pad;
                _outHeight = g.OutHeight;
                _outWidth = g.OutWidth;
                _offsets = offsets;
                _packed = packed;
                _bias = bias;
                _stage = stage;
                _relu = relu;
            }

            public void Run(int rows, int columns, float* image, float* output)
            {
                if (rows == 2) RunRows<Two>(columns, image, output);
                else RunRows<One>(columns, image, output);
            }

            private void RunRows<TRows>(int columns, float* image, float* output) where TRows : struct, ICount
            {
                switch (columns)
                {
                    case 1: Image<TRows, One>(image, output); break;
                    case 2: Image<TRows, Two>(image, output); break;
                    case 3: Image<TRows, Three>(image, output); break;
                    case 4: Image<TRows, Four>(image, output); break;
                    case 5: Image<TRows, Five>(image, output); break;
                    case 6: Image<TRows, Six>(image, output); break;
                    case 7: Image<TRows, Seven>(image, output); break;
                    case 8: Image<TRows, Eight>(image, output); break;
                    case 9: Image<TRows, Nine>(image, output); break;
                    case 10: Image<TRows, Ten>(image, output); break;
                    case 11: Image<TRows, Eleven>(image, output); break;
                    default: Image<TRows, Twelve>(image, output); break;
                }
            }

            /// <summary>Every block of one image. A last block that would run past the plane's edge is shifted back to end at
            /// it, recomputing a few positions (with identical results) so every block keeps its full size.</summary>
            private void Image<TRows, TColumns>(float* image, float* output) where TRows : struct, ICount where TColumns : struct, ICount
            {
                int rows = TRows.Value, columns = TColumns.Value, plane = _outHeight * _outWidth;
                for (int f0 = 0; f0 < _filters; f0 += Lanes)
                {
                    Vector512<float> bias = _bias == null ? Vector512<float>.Zero : Vector512.Load(_bias + f0);
                    for (int oy = 0; oy < _outHeight; oy += rows)
                    {
                        if (oy + rows > _outHeight) oy = _outHeight - rows;
                        for (int ox = 0; ox < _outWidth; ox += columns)
                        {
                            if (ox + columns > _outWidth) ox = _outWidth - columns;
                            Block<TRows, TColumns>(image + oy * _pitch + ox, _packed + f0, bias);
                            // Transpose: the stage holds position-major vectors of sixteen filters; the output is filter planes.
                            float* target = output + (long)f0 * plane + oy * _outWidth + ox;
                            for (int lane = 0; lane < Lanes; lane++, target += plane)
                            {
                                float* source = _stage + lane;
                                for (int r = 0; r < rows; r++)
                                {
                                    for (int c = 0; c < columns; c++) target[r * _outWidth + c] = source[(r * columns + c) * Lanes];
                                }
                            }
                        }
                    }
                }
            }

            /// <summary>One block of TRows x TColumns output positions for sixteen filters, written to the stage position by
            /// position. Accumulators past the block's size are never used and the JIT removes them.</summary>
            private void Block<TRows, TColumns>(float* corner, float* weights, Vector512<float> bias)
                where TRows : struct, ICount where TColumns : struct, ICount
            {
                Vector512<float> a00 = bias, a01 = bias, a02 = bias, a03 = bias, a04 = bias, a05 = bias,
                    a06 = bias, a07 = bias, a08 = bias, a09 = bias, a0a = bias, a0b = bias;
                Vector512<float> a10 = bias, a11 = bias, a12 = bias, a13 = bias, a14 = bias, a15 = bias,
                    a16 = bias, a17 = bias, a18 = bias, a19 = bias, a1a = bias, a1b = bias;
                int pitch = _pitch, filters = _filters;
                int* offsets = _offsets;
                float* wt = weights;
                for (int t = 0; t < _patch; t++, wt += filters)
                {
                    Vector512<float> w = Vector512.Load(wt);
                    float* x0 = corner + offsets[t];
                    a00 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[0]), w, a00);
                    if (TColumns.Value > 1) a01 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[1]), w, a01);
                    if (TColumns.Value > 2) a02 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[2]), w, a02);
                    if (TColumns.Value > 3) a03 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[3]), w, a03);
                    if (TColumns.Value > 4) a04 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[4]), w, a04);
                    if (TColumns.Value > 5) a05 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[5]), w, a05);
                    if (TColumns.Value > 6) a06 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[6]), w, a06);
                    if (TColumns.Value > 7) a07 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[7]), w, a07);
                    if (TColumns.Value > 8) a08 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[8]), w, a08);
                    if (TColumns.Value > 9) a09 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[9]), w, a09);
                    if (TColumns.Value > 10) a0a = Vector512.FusedMultiplyAdd(Vector512.Create(x0[10]), w, a0a);
                    if (TColumns.Value > 11) a0b = Vector512.FusedMultiplyAdd(Vector512.Create(x0[11]), w, a0b);
                    if (TRows.Value > 1)
                    {
                        float* x1 = x0 + pitch;
                        a10 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[0]), w, a10);
                        if (TColumns.Value > 1) a11 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[1]), w, a11);
                        if (TColumns.Value > 2) a12 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[2]), w, a12);
                        if (TColumns.Value > 3) a13 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[3]), w, a13);
                        if (TColumns.Value > 4) a14 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[4]), w, a14);
                        if (TColumns.Value > 5) a15 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[5]), w, a15);
                        if (TColumns.Value > 6) a16 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[6]), w, a16);
                        if (TColumns.Value > 7) a17 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[7]), w, a17);
                        if (TColumns.Value > 8) a18 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[8]), w, a18);
                        if (TColumns.Value > 9) a19 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[9]), w, a19);
                        if (TColumns.Value > 10) a1a = Vector512.FusedMultiplyAdd(Vector512.Create(x1[10]), w, a1a);
                        if (TColumns.Value > 11) a1b = Vector512.FusedMultiplyAdd(Vector512.Create(x1[11]), w, a1b);
                    }
                }

                float* stage = _stage;
                bool relu = _relu;
                Put(stage + 0, a00, relu);
                if (TColumns.Value > 1) Put(stage + 16, a01, relu);
                if (TColumns.Value > 2) Put(stage + 32, a02, relu);
                if (TColumns.Value > 3) Put(stage + 48, a03, relu);
                if (TColumns.Value > 4) Put(stage + 64, a04, relu);
                if (TColumns.Value > 5) Put(stage + 80, a05, relu);
                if (TColumns.Value > 6) Put(stage + 96, a06, relu);
                if (TColumns.Value > 7) Put(stage + 112, a07, relu);
                if (TColumns.Value > 8) Put(stage + 128, a08, relu);
                if (TColumns.Value > 9) Put(stage + 144, a09, relu);
                if (TColumns.Value > 10) Put(stage + 160, a0a, relu);
                if (TColumns.Value > 11) Put(stage + 176, a0b, relu);
                if (TRows.Value > 1)
                {
                    Put(stage + (TColumns.Value + 0) * Lanes, a10, relu);
                    if (TColumns.Value > 1) Put(stage + (TColumns.Value + 1) * Lanes, a11, relu);
                    if (TColumns.Value > 2) Put(stage + (TColumns.Value + 2) * Lanes, a12, relu);
                    if (TColumns.Value > 3) Put(stage + (TColumns.Value + 3) * Lanes, a13, relu);
                    if (TColumns.Value > 4) Put(stage + (TColumns.Value + 4) * Lanes, a14, relu);
                    if (TColumns.Value > 5) Put(stage + (TColumns.Value + 5) * Lanes, a15, relu);
                    if (TColumns.Value > 6) Put(stage + (TColumns.Value + 6) * Lanes, a16, relu);
                    if (TColumns.Value > 7) Put(stage + (TColumns.Value + 7) * Lanes, a17, relu);
                    if (TColumns.Value > 8) Put(stage + (TColumns.Value + 8) * Lanes, a18, relu);
                    if (TColumns.Value > 9) Put(stage + (TColumns.Value + 9) * Lanes, a19, relu);
                    if (TColumns.Value > 10) Put(stage + (TColumns.Value + 10) * Lanes, a1a, relu);
                    if (TColumns.Value > 11) Put(stage + (TColumns.Value + 11) * Lanes, a1b, relu);
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static void Put(float* target, Vector512<float> sum, bool relu) =>
                (relu ? Lanes512.Relu(sum) : sum).Store(target);
        }
    }
}
