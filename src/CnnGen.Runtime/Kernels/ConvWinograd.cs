using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Winograd's minimal filtering F(2x2, 3x3) for 3x3 stride-1 convolutions (AVX-512): every 2x2 block of outputs
    /// ("tile") is computed from the 4x4 inputs under it as <c>Aᵀ [ sum over c of (G g Gᵀ) ⊙ (Bᵀ d B) ] A</c>, which takes
    /// 16 multiplications per tile, channel and filter where the direct form takes 36. Per image, the input tiles of every
    /// channel are transformed (<c>V = Bᵀ d B</c>, sixteen planes of tiles), then each of the sixteen positions ξν of the
    /// transformed tile is one matrix product over the channels, <c>M[ξν] = U[ξν] V[ξν]</c> (filters x channels times
    /// channels x tiles, the tiles in the vector lanes), and the output transform folds each tile's sixteen products back
    /// into its 2x2 outputs. A vector holds sixteen tiles of one tile row (output rows of 32, 64, ... columns) or eight of
    /// two (rows of 15 or 16), so every lane is a real tile. The tile buffers are kept vector by vector and, within a
    /// vector, position by position, so that a product reads and writes contiguous rows of channels and filters. The filters' transform <c>U = G g Gᵀ</c> is computed once per call. With a 2x2 max pool after
    /// a ReLU, a tile is exactly one pooling window: it is reduced in registers and only the pooled value is stored.
    /// The arithmetic differs from the direct form's (the transforms add and subtract inputs before the products), with
    /// errors of the order of the float32 rounding of the inputs' sums. The filter gradient, the adjoint of the same form,
    /// is in ConvWinograd.FilterGradient.cs.
    /// </summary>
    internal static unsafe partial class ConvWinograd
    {
        private const int Lanes = 16, Positions = 16, FilterBlock = 4, VectorBlock = 4, FilterGroup = 8;

        /// <summary>Whether the kernel can compute <paramref name="g"/>: a 3x3 window at stride 1 (padding up to 2), a multiple of
        /// eight filters, output rows of 15 or 16 columns or of a multiple of 32 (so that tiles fill whole vectors), on AVX-512.</summary>
        internal static bool Eligible(in ConvGeometry g)
        {
            int tileColumns = (g.OutWidth + 1) / 2;
            return g.Kernel == 3 && g.Stride == 1 && g.Pad <= 2 && g.Filters % FilterGroup == 0 && g.OutHeight >= 2 &&
                   (tileColumns == 8 || tileColumns % Lanes == 0) &&
                   KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx2.IsSupported;
        }

        /// <summary>
        /// Whether <see cref="Conv2D"/> takes this kernel for <paramref name="g"/> (by measurement, one thread, batch 1 and 20,
        /// <c>conv-forward</c> in the benchmarks): for at least 12 input channels, where the multiplications it saves outweigh
        /// its transforms, except where the unpadded direct kernel applies (it needs no bordered copy and ran 4-7% faster).
        /// Against the direct kernel on a zero-bordered copy it took 0.7-0.9x the time for 16 to 32 channels on 16 x 16 and
        /// 32 x 32 planes (0.7x with a fused max pool); against im2col + GEMM, 0.4-0.7x for 64 and 128 channels. For 3 to 8
        /// channels it took up to twice as long.
        /// </summary>
        public static bool Applies(in ConvGeometry g) => Eligible(g) && g.Channels >= 12 && !ConvDirectWide.AppliesForward(g);

        /// <summary>Whether a ReLU and 2x2 max pool after the convolution are computed inside the output transform (one tile is
        /// one pooling window): the kernel applies and both output sizes are even.</summary>
        public static bool PoolsInRegisters(in ConvGeometry g, in ConvGeometry pool) =>
            Applies(g) && pool.Kernel == 2 && pool.Stride == 2 && pool.Pad == 0 && g.OutHeight % 2 == 0 && g.OutWidth % 2 == 0 &&
            pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2;

        /// <summary>Where one layer's tiles live: vector q holds tile row q (or, for eight-tile rows, rows 2q and 2q + 1) and, for
        /// wider rows, a chunk of sixteen tile columns.</summary>
        private readonly struct Layout
        {
            public readonly int TileRows, TileColumns, RowsPerVector, Chunks, Vectors, Pitch, Rows, BorderedSize, FilterPlane;

            public Layout(in ConvGeometry g)
            {
                TileRows = (g.OutHeight + 1) / 2;
                TileColumns = (g.OutWidth + 1) / 2;
                RowsPerVector = TileColumns == 8 ? 2 : 1;
                Chunks = TileColumns == 8 ? 1 : TileColumns / Lanes;
                Vectors = (TileRows + RowsPerVector - 1) / RowsPerVector * Chunks;
                // Room for every tile's 4x4 window, including a last pair's second tile row past the end.
                Pitch = Math.Max(g.Width + 2 * g.Pad, 2 * TileColumns + 2);
                Rows = Math.Max(g.Height + 2 * g.Pad, 2 * ((TileRows + RowsPerVector - 1) / RowsPerVector * RowsPerVector) + 2);
                BorderedSize = g.Channels * Rows * Pitch;
                // Planes one cache line further apart than their size: planes a multiple of 4 KB apart share L1 sets, and the
                // sixteen stores or loads of a tile vector's positions evicted each other (the transforms ran 3-5x slower).
                FilterPlane = g.Channels * g.Filters + Lanes;
                InputPosition = g.Channels * Lanes + Lanes;
                OutputPosition = g.Filters * Lanes + Lanes;
            }

            /// <summary>Floats from one position ξν to the next: of the filters' transform, and within a tile vector's inputs
            /// (channel rows of sixteen tiles) and products (filter rows).</summary>
            public readonly int InputPosition, OutputPosition;

            public long InputVector => (long)Positions * InputPosition;

            public long OutputVector => (long)Positions * OutputPosition;
        }

        /// <summary>Floats of scratch one thread needs: the filters' transform, a zero-bordered image, and both tile buffers.</summary>
        public static int ScratchSize(in ConvGeometry g)
        {
            if (!Eligible(g)) return 0;
            var l = new Layout(g);
            // Up to 15 floats of slack to align the start.
            return (int)(Positions * l.FilterPlane + (l.BorderedSize + Lanes - 1) / Lanes * Lanes + VectorBlock * (l.InputVector + l.OutputVector) + Lanes);
        }

        /// <summary>
        /// <paramref name="batch"/> images, <c>y = conv(x) + b</c>, rectified when <paramref name="relu"/> is set; with
        /// <paramref name="maxPool"/> (which needs even output sizes and implies the ReLU) <paramref name="y"/> receives the 2x2
        /// max pool of the rectified output instead. <paramref name="bias"/> may be empty.
        /// </summary>
        public static void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> y, Span<float> scratch, bool relu, bool maxPool) =>
            Forward(g, batch, x, weights, bias, y, scratch, relu, maxPool, transformFilters: true);

        /// <summary><see cref="Forward(in ConvGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, bool, bool)"/>;
        /// without <paramref name="transformFilters"/> it reuses the filters' transform an earlier call left in the same
        /// <paramref name="scratch"/> (image-by-image callers transform once per range).</summary>
        public static void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> y, Span<float> scratch, bool relu, bool maxPool, bool transformFilters)
        {
            var l = new Layout(g);
            int channels = g.Channels, filters = g.Filters;
            int outputSize = maxPool ? filters * (g.OutHeight / 2) * (g.OutWidth / 2) : g.OutputSize;
            fixed (float* xp = x)
            fixed (float* wp = weights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (float* sp = scratch)
            {
                // Vectors of the tile buffers are read and written whole: keep them 64-byte aligned.
                float* u = (float*)(((nint)sp + 63) & ~(nint)63);
                float* bordered = u + Positions * l.FilterPlane;
                float* v = bordered + (l.BorderedSize + Lanes - 1) / Lanes * Lanes;
                float* m = v + VectorBlock * l.InputVector;
                if (transformFilters) TransformFilters(g, l, wp, u);
                new Span<float>(bordered, l.BorderedSize).Clear();
                // A last block of fewer than four vectors multiplies whatever the buffer holds past them and discards it: zero
                // keeps that finite.
                if (l.Vectors % VectorBlock != 0) new Span<float>(v, (int)(VectorBlock * l.InputVector)).Clear();
                for (int n = 0; n < batch; n++)
                {
                    BorderedImage.CopyInterior(g, xp + (long)n * g.InputSize, bordered, l.Pitch, (long)l.Rows * l.Pitch);
                    // Four tile vectors at a time through the three steps, so the tiles a step writes are still in cache when
                    // the next reads them.
                    for (int q0 = 0; q0 < l.Vectors; q0 += VectorBlock)
                    {
                        int q1 = Math.Min(q0 + VectorBlock, l.Vectors);
                        TransformInput(g, l, bordered, v, q0, q1);
                        for (int position = 0; position < Positions; position++) Multiply(g, l, position, u + (long)position * l.FilterPlane, v, m);
                        TransformOutput(g, l, m, bias.IsEmpty ? null : bp, yp + (long)n * outputSize, relu || maxPool, maxPool, q0, q1);
                    }
                }
            }
        }

        /// <summary><c>U[ξν][c][f] = (G g_fc Gᵀ)[ξ][ν]</c> with <c>G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]</c>, eight filters per vector:
        /// each tap of eight filters is gathered, and every position's eight values are one contiguous store (a scalar version,
        /// sixteen stores to sixteen planes per filter and channel, took 15 us for 32 x 32 filters, half a batch-1 call).</summary>
        private static void TransformFilters(in ConvGeometry g, in Layout l, float* w, float* u)
        {
            int channels = g.Channels, filters = g.Filters;
            Vector256<int> rows = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * (channels * 9);
            Vector256<float> half = Vector256.Create(0.5f);
            for (int f0 = 0; f0 < filters; f0 += 8)
            {
                for (int c = 0; c < channels; c++)
                {
                    float* k = w + ((long)f0 * channels + c) * 9;
                    float* target = u + (long)c * filters + f0;
                    // t = G g (4 x 3) column by column, then each row of t times Gᵀ.
                    Vector256<float> t00, t01, t02, t10, t11, t12, t20, t21, t22, t30, t31, t32;
                    TapColumn(k, 0, rows, half, out t00, out t10, out t20, out t30);
                    TapColumn(k, 1, rows, half, out t01, out t11, out t21, out t31);
                    TapColumn(k, 2, rows, half, out t02, out t12, out t22, out t32);
                    long step = l.FilterPlane;
                    Row(target, step, half, t00, t01, t02);
                    Row(target + 4 * step, step, half, t10, t11, t12);
                    Row(target + 8 * step, step, half, t20, t21, t22);
                    Row(target + 12 * step, step, half, t30, t31, t32);
                }
            }
        }

        /// <summary>Column <paramref name="j"/> of <c>G g</c> for eight filters: <c>g0, ½(g0 + g1 + g2), ½(g0 - g1 + g2), g2</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TapColumn(float* k, int j, Vector256<int> rows, Vector256<float> half,
            out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3)
        {
            Vector256<float> g0 = Avx2.GatherVector256(k + j, rows, 4), g1 = Avx2.GatherVector256(k + 3 + j, rows, 4);
            Vector256<float> g2 = Avx2.GatherVector256(k + 6 + j, rows, 4);
            r0 = g0;
            r1 = half * (g0 + g1 + g2);
            r2 = half * (g0 - g1 + g2);
            r3 = g2;
        }

        /// <summary>One row of <c>t Gᵀ</c>: <c>a0, ½(a0 + a1 + a2), ½(a0 - a1 + a2), a2</c>, to four consecutive positions.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Row(float* target, long step, Vector256<float> half, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2)
        {
            a0.Store(target);
            (half * (a0 + a1 + a2)).Store(target + step);
            (half * (a0 - a1 + a2)).Store(target + 2 * step);
            a2.Store(target + 3 * step);
        }

        private static readonly Vector512<int> s_interleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        private static readonly Vector512<int> s_interleaveHigh = s_interleaveLow + Vector512.Create(8);

        /// <summary>The top-left input under vector <paramref name="q"/>'s first tile, and where its second half of lanes reads:
        /// the next sixteen columns of the same rows, or (eight-tile rows) the rows of the next tile row.</summary>
        private static void Corner(in Layout l, int q, out int row, out int column, out int second)
        {
            int group = q / l.Chunks;
            row = 2 * group * l.RowsPerVector;
            column = 2 * Lanes * (q % l.Chunks);
            second = l.RowsPerVector == 2 ? 2 * l.Pitch : Lanes;
        }

        /// <summary><c>V = Bᵀ d B</c> for every tile and channel, <c>Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]</c>: the inputs under
        /// a tile start at even columns and are split out of two vectors per row by permutes.</summary>
        private static void TransformInput(in ConvGeometry g, in Layout l, float* bordered, float* v, int qBegin, int qEnd)
        {
            int channels = g.Channels, pitch = l.Pitch;
            Vector512<int> even = Lanes512.Even, odd = Lanes512.Odd;
            for (int q = qBegin; q < qEnd; q++)
            {
                Corner(l, q, out int row0, out int column0, out int second);
                for (int c = 0; c < channels; c++)
                {
                    float* row = bordered + ((long)c * l.Rows + row0) * pitch + column0;
                    Columns(row, second, even, odd, out Vector512<float> t00, out Vector512<float> t01, out Vector512<float> t02, out Vector512<float> t03);
                    Columns(row + pitch, second, even, odd, out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13);
                    Columns(row + 2 * pitch, second, even, odd, out Vector512<float> t20, out Vector512<float> t21, out Vector512<float> t22, out Vector512<float> t23);
                    Columns(row + 3 * pitch, second, even, odd, out Vector512<float> t30, out Vector512<float> t31, out Vector512<float> t32, out Vector512<float> t33);
                    float* at = v + (q - qBegin) * l.InputVector + c * Lanes;
                    long step = l.InputPosition;
                    (t00 - t20).Store(at);
                    (t01 - t21).Store(at + step);
                    (t02 - t22).Store(at + 2 * step);
                    (t03 - t23).Store(at + 3 * step);
                    (t10 + t20).Store(at + 4 * step);
                    (t11 + t21).Store(at + 5 * step);
                    (t12 + t22).Store(at + 6 * step);
                    (t13 + t23).Store(at + 7 * step);
                    (t20 - t10).Store(at + 8 * step);
                    (t21 - t11).Store(at + 9 * step);
                    (t22 - t12).Store(at + 10 * step);
                    (t23 - t13).Store(at + 11 * step);
                    (t10 - t30).Store(at + 12 * step);
                    (t11 - t31).Store(at + 13 * step);
                    (t12 - t32).Store(at + 14 * step);
                    (t13 - t33).Store(at + 15 * step);
                }
            }
        }

        /// <summary>One input row under sixteen tiles, <c>d B</c>: lane j sees columns 2j .. 2j + 3 (of its own row for the
        /// second half of the lanes, read from <paramref name="second"/> floats further on).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Columns(float* row, int second, Vector512<int> even, Vector512<int> odd,
            out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3)
        {
            Vector512<float> a = Vector512.Load(row), b = Vector512.Load(row + second);
            Vector512<float> a2 = Vector512.Load(row + 2), b2 = Vector512.Load(row + second + 2);
            Vector512<float> d0 = Avx512F.PermuteVar16x32x2(a, even, b), d1 = Avx512F.PermuteVar16x32x2(a, odd, b);
            Vector512<float> d2 = Avx512F.PermuteVar16x32x2(a2, even, b2), d3 = Avx512F.PermuteVar16x32x2(a2, odd, b2);
            t0 = d0 - d2;
            t1 = d1 + d2;
            t2 = d2 - d1;
            t3 = d1 - d3;
        }

        /// <summary><c>M[ξν][f][tiles] = sum over c of U[ξν][c][f] V[ξν][c][tiles]</c> for one position ξν and a block of four tile
        /// vectors: four filters times the four vectors per register block.</summary>
        private static void Multiply(in ConvGeometry g, in Layout l, int position, float* u, float* v, float* m)
        {
            int filters = g.Filters, channels = g.Channels;
            long vectorStride = l.InputVector, outputStride = l.OutputVector;
            {
                // This position's channel rows of four tile vectors: each a contiguous run of channels x 16 floats.
                float* v0 = v + (long)position * l.InputPosition;
                for (int f0 = 0; f0 < filters; f0 += FilterBlock)
                {
                    Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                    Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                    Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                    Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                    float* uc = u + f0;
                    float* vc = v0;
                    for (int c = 0; c < channels; c++, uc += filters, vc += Lanes)
                    {
                        Vector512<float> x0 = Vector512.Load(vc), x1 = Vector512.Load(vc + vectorStride);
                        Vector512<float> x2 = Vector512.Load(vc + 2 * vectorStride), x3 = Vector512.Load(vc + 3 * vectorStride);
                        Vector512<float> w = Vector512.Create(uc[0]);
                        a00 = Vector512.FusedMultiplyAdd(w, x0, a00); a01 = Vector512.FusedMultiplyAdd(w, x1, a01);
                        a02 = Vector512.FusedMultiplyAdd(w, x2, a02); a03 = Vector512.FusedMultiplyAdd(w, x3, a03);
                        w = Vector512.Create(uc[1]);
                        a10 = Vector512.FusedMultiplyAdd(w, x0, a10); a11 = Vector512.FusedMultiplyAdd(w, x1, a11);
                        a12 = Vector512.FusedMultiplyAdd(w, x2, a12); a13 = Vector512.FusedMultiplyAdd(w, x3, a13);
                        w = Vector512.Create(uc[2]);
                        a20 = Vector512.FusedMultiplyAdd(w, x0, a20); a21 = Vector512.FusedMultiplyAdd(w, x1, a21);
                        a22 = Vector512.FusedMultiplyAdd(w, x2, a22); a23 = Vector512.FusedMultiplyAdd(w, x3, a23);
                        w = Vector512.Create(uc[3]);
                        a30 = Vector512.FusedMultiplyAdd(w, x0, a30); a31 = Vector512.FusedMultiplyAdd(w, x1, a31);
                        a32 = Vector512.FusedMultiplyAdd(w, x2, a32); a33 = Vector512.FusedMultiplyAdd(w, x3, a33);
                    }

                    // M is kept like V: vector by vector, position by position, a row of sixteen tiles per filter.
                    float* target = m + (long)position * l.OutputPosition + f0 * Lanes;
                    Store4(target, outputStride, a00, a01, a02, a03);
                    Store4(target + Lanes, outputStride, a10, a11, a12, a13);
                    Store4(target + 2 * Lanes, outputStride, a20, a21, a22, a23);
                    Store4(target + 3 * Lanes, outputStride, a30, a31, a32, a33);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store4(float* target, long stride, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3)
        {
            r0.Store(target);
            r1.Store(target + stride);
            r2.Store(target + 2 * stride);
            r3.Store(target + 3 * stride);
        }

        /// <summary><c>Y = Aᵀ M A</c> per tile and filter, <c>Aᵀ = [1 1 1 0; 0 1 -1 -1]</c>, plus the bias; then either the 2x2
        /// outputs interleaved back into the output rows, or their maximum (rectified) as the pooled output.</summary>
        private static void TransformOutput(in ConvGeometry g, in Layout l, float* m, float* bias, float* y, bool relu, bool maxPool, int qBegin, int qEnd)
        {
            int filters = g.Filters, oh = g.OutHeight, ow = g.OutWidth;
            int pooledHeight = oh / 2, pooledWidth = ow / 2, pooledPlane = pooledHeight * pooledWidth;
            Vector512<int> low = s_interleaveLow, high = s_interleaveHigh;
            for (int q = qBegin; q < qEnd; q++)
            {
                Corner(l, q, out int row0, out int column0, out _);
                int tileRow = row0 / 2, tileColumn = column0 / 2;
                for (int f = 0; f < filters; f++)
                {
                    Vector512<float> b = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[f]);
                    float* at = m + (q - qBegin) * l.OutputVector + f * Lanes;
                    long step = l.OutputPosition;
                    // (M A) row by row: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3.
                    Vector512<float> m0 = Vector512.Load(at), m1 = Vector512.Load(at + step), m2 = Vector512.Load(at + 2 * step), m3 = Vector512.Load(at + 3 * step);
                    Vector512<float> s00 = m0 + m1 + m2, s01 = m1 - m2 - m3;
                    m0 = Vector512.Load(at + 4 * step); m1 = Vector512.Load(at + 5 * step); m2 = Vector512.Load(at + 6 * step); m3 = Vector512.Load(at + 7 * step);
                    Vector512<float> s10 = m0 + m1 + m2, s11 = m1 - m2 - m3;
                    m0 = Vector512.Load(at + 8 * step); m1 = Vector512.Load(at + 9 * step); m2 = Vector512.Load(at + 10 * step); m3 = Vector512.Load(at + 11 * step);
                    Vector512<float> s20 = m0 + m1 + m2, s21 = m1 - m2 - m3;
                    m0 = Vector512.Load(at + 12 * step); m1 = Vector512.Load(at + 13 * step); m2 = Vector512.Load(at + 14 * step); m3 = Vector512.Load(at + 15 * step);
                    Vector512<float> s30 = m0 + m1 + m2, s31 = m1 - m2 - m3;
                    Vector512<float> y00 = s00 + s10 + s20, y01 = s01 + s11 + s21;
                    Vector512<float> y10 = s10 - s20 - s30, y11 = s11 - s21 - s31;
                    if (maxPool)
                    {
                        // One tile is one pooling window; pooled rows are tile rows, so the vector's tiles are contiguous there
                        // too (eight-tile rows: two pooled rows of eight).
                        Vector512<float> pooled = Lanes512.Relu(Vector512.Max(Vector512.Max(y00, y01), Vector512.Max(y10, y11)) + b);
                        int valid = Math.Min(Lanes, (pooledHeight - tileRow) * pooledWidth);
                        Avx512F.MaskStore(y + (long)f * pooledPlane + tileRow * pooledWidth + tileColumn, Lanes512.First(valid), pooled);
                        continue;
                    }

                    y00 += b; y01 += b; y10 += b; y11 += b;
                    if (relu)
                    {
                        y00 = Lanes512.Relu(y00); y01 = Lanes512.Relu(y01); y10 = Lanes512.Relu(y10); y11 = Lanes512.Relu(y11);
                    }

                    Vector512<float> top0 = Avx512F.PermuteVar16x32x2(y00, low, y01), top1 = Avx512F.PermuteVar16x32x2(y00, high, y01);
                    Vector512<float> bottom0 = Avx512F.PermuteVar16x32x2(y10, low, y11), bottom1 = Avx512F.PermuteVar16x32x2(y10, high, y11);
                    float* plane = y + (long)f * oh * ow;
                    if (l.RowsPerVector == 1)
                    {
                        // Tile row r, columns 2 j0 .. 2 j0 + 31 (the last may be cut by an odd width).
                        Vector512<float> first = Lanes512.First(ow - column0), second = Lanes512.First(ow - column0 - Lanes);
                        StoreRows(plane, ow, oh, row0, column0, first, second, top0, top1, bottom0, bottom1, split: false);
                    }
                    else
                    {
                        // Two tile rows of eight: lanes 0-7 the first (top0 / bottom0 interleaved), lanes 8-15 the second.
                        Vector512<float> columns = Lanes512.First(ow);
                        StoreRows(plane, ow, oh, row0, 0, columns, columns, top0, top1, bottom0, bottom1, split: true);
                    }
                }
            }
        }

        /// <summary>Stores one vector's outputs: wide rows (<paramref name="split"/> false) put a tile row's 32 columns in two
        /// vectors; eight-tile rows put each of two tile rows' 16 columns in one. Output rows past the last are skipped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRows(float* plane, int ow, int oh, int row0, int column0, Vector512<float> first, Vector512<float> second,
            Vector512<float> top0, Vector512<float> top1, Vector512<float> bottom0, Vector512<float> bottom1, bool split)
        {
            float* row = plane + (long)row0 * ow + column0;
            if (!split)
            {
                Avx512F.MaskStore(row, first, top0);
                Avx512F.MaskStore(row + Lanes, second, top1);
                if (row0 + 1 < oh)
                {
                    Avx512F.MaskStore(row + ow, first, bottom0);
                    Avx512F.MaskStore(row + ow + Lanes, second, bottom1);
                }

                return;
            }

            Avx512F.MaskStore(row, first, top0);
            if (row0 + 1 < oh) Avx512F.MaskStore(row + ow, first, bottom0);
            if (row0 + 2 < oh) Avx512F.MaskStore(row + 2 * ow, first, top1);
            if (row0 + 3 < oh) Avx512F.MaskStore(row + 3 * ow, first, bottom1);
        }

    }
}
