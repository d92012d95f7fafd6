using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>The filter gradient of Winograd's F(2x2, 3x3): the adjoint of the forward form in ConvWinograd.cs.</summary>
    internal static unsafe partial class ConvWinograd
    {
        /// <summary>Images whose tiles one filter-gradient pass transforms before it multiplies them: about sixteen tile
        /// vectors, enough for the products to amortise loading and storing their sums, few enough to keep the tiles in
        /// cache. (At four images for every shape, SmallVgg's 32-wide layer, 16 vectors an image, took 5.7 ms at batch 100 in a
        /// one-off timing, more than the dot products over the row pitch; at two 4.7 ms, at eight 6.9 ms.)</summary>
        private static int GradientGroup(in Layout l) => Math.Max(1, Lanes / l.Vectors);

        /// <summary>
        /// Whether <see cref="FilterGradient"/> takes <paramref name="g"/>: where the forward kernel applies, the output has even
        /// sizes (so every tile lies inside it) and, 16 wide, whole pairs of tile rows, and the channels are a multiple of
        /// four. The gradient is the adjoint of the forward form: for one tile, channel and filter,
        /// <c>dW = Gᵀ [(A dY Aᵀ) ⊙ (Bᵀ d B)] G</c> (3x3 from 4x4), summed over tiles and images as 16 products over the
        /// tiles (filters x tiles times tiles x channels).
        /// </summary>
        public static bool AppliesFilterGradient(in ConvGeometry g)
        {
            if (!Applies(g) || g.OutHeight % 2 != 0 || g.OutWidth % 2 != 0 || g.Channels % 4 != 0) return false;
            var l = new Layout(g);
            // Eight-tile rows go in pairs: a vector must not hold a tile row past the output.
            return l.RowsPerVector == 1 || l.TileRows % 2 == 0;
        }

        /// <summary>Floats of scratch one thread's <see cref="FilterGradient"/> needs.</summary>
        public static int FilterGradientScratchSize(in ConvGeometry g)
        {
            if (!AppliesFilterGradient(g)) return 0;
            var l = new Layout(g);
            return (int)((l.BorderedSize + Lanes - 1) / Lanes * Lanes + GradientGroup(l) * l.Vectors * (l.InputVector + l.OutputVector) +
                         TransposedFloats(g, l) + Positions * SumPlane(g) + Lanes);
        }

        /// <summary>Floats of a group's transposed input transform: a tile vector's sixteen rows of channels per vector, or none
        /// where the sums stay per lane.</summary>
        private static long TransposedFloats(in ConvGeometry g, in Layout l) =>
            ChannelsInLanes(g) ? (long)GradientGroup(l) * l.Vectors * Lanes * g.Channels : 0;

        /// <summary>Floats of one position's sums: filters x channels, times 16 where they are kept per lane.</summary>
        private static long SumPlane(in ConvGeometry g) => (long)g.Filters * g.Channels * (ChannelsInLanes(g) ? 1 : Lanes);

        /// <summary>Bytes of per-lane sums (16 positions x filters x channels x 16 lanes) from which the sums are kept with the
        /// channels in the lanes instead.</summary>
        private const long MaxLaneSumBytes = 512 * 1024;

        /// <summary>
        /// Whether the sums are kept with the channels in the lanes (whole pairs of channel vectors, and per-lane sums of more
        /// than <see cref="MaxLaneSumBytes"/>) rather than per tile lane. Per lane, a position's product keeps sixteen partial
        /// sums for every filter and channel, loaded and stored around each group's sixteen tile vectors: 1 MB for a 32 -> 32
        /// layer, which spilled out of L2 beside the transforms. With the channels in the lanes each group's input transform
        /// is transposed first, and the sums, filters x channels floats per position (64 KB for 32 -> 32), stay in registers
        /// over all the group's tiles. SmallVgg's 32 -> 32 layer at batch 100, one thread, three runs of each build in turn:
        /// best calls 2.84-3.02 ms against 3.40-4.22 ms, medians 2.95-4.68 against 3.49-5.12 ms (the transposes take about
        /// 0.3 ms of it); its training step 0.98x / 0.98x the time on two threads and 0.99x / 0.97x on one
        /// (<c>benchmarks/CnnGen.BuildCompare</c>, both orders). Its 16 -> 32 layer (512 KB per lane) was level, and its
        /// 16 -> 16 layer (256 KB, one vector of channels: a broadcast per multiply-add) took 1.4x as long, so they keep the
        /// sums per lane.
        /// </summary>
        internal static bool ChannelsInLanes(in ConvGeometry g) =>
            g.Channels % (2 * Lanes) == 0 && (long)Positions * g.Filters * g.Channels * Lanes * sizeof(float) > MaxLaneSumBytes;

        /// <summary>
        /// Weight and bias gradients of <paramref name="batch"/> images, <b>overwriting</b> both (<paramref name="biasGradient"/>
        /// may be empty). <paramref name="dy"/> gives image n's output gradient (stored, or made from a pool's when its turn
        /// comes: each is transformed before the next is asked for). Each position's sums, <c>S[ξν][f][c] = Σ over tiles of
        /// D[f] V[c]</c>, are a product over the tiles (filters x tiles times tiles x channels), summed per tile lane or with
        /// the channels in the lanes (<see cref="ChannelsInLanes"/>).
        /// </summary>
        internal static void FilterGradient(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Conv2D.OutputGradient dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch)
        {
            var l = new Layout(g);
            int channels = g.Channels, outPlane = g.OutPlane;
            bool channelsInLanes = ChannelsInLanes(g);
            fixed (float* xp = x)
            fixed (float* wgp = weightGradient)
            fixed (float* sp = scratch)
            {
                float* bordered = (float*)(((nint)sp + 63) & ~(nint)63);
                float* v = bordered + (l.BorderedSize + Lanes - 1) / Lanes * Lanes;
                float* d = v + GradientGroup(l) * l.Vectors * l.InputVector;
                float* transposed = d + GradientGroup(l) * l.Vectors * l.OutputVector;
                float* sums = transposed + TransposedFloats(g, l);
                long sumPlane = SumPlane(g);
                new Span<float>(sums, (int)(Positions * sumPlane)).Clear();
                new Span<float>(bordered, l.BorderedSize).Clear();
                biasGradient.Clear();
                for (int n0 = 0; n0 < batch; n0 += GradientGroup(l))
                {
                    int count = Math.Min(GradientGroup(l), batch - n0);
                    for (int i = 0; i < count; i++)
                    {
                        BorderedImage.CopyInterior(g, xp + (long)(n0 + i) * g.InputSize, bordered, l.Pitch, (long)l.Rows * l.Pitch);
                        TransformInput(g, l, bordered, v + i * l.Vectors * l.InputVector, 0, l.Vectors);
                        float* gradient = dy.Image(n0 + i);
                        TransformGradient(g, l, gradient, d + i * l.Vectors * l.OutputVector);
                        for (int f = 0; f < biasGradient.Length; f++) biasGradient[f] += TensorPrimitives.Sum(new ReadOnlySpan<float>(gradient + (long)f * outPlane, outPlane));
                    }

                    int tileVectors = count * l.Vectors;
                    for (int position = 0; position < Positions; position++)
                    {
                        if (!channelsInLanes)
                        {
                            Accumulate(g, l, position, tileVectors, v, d, sums + position * sumPlane);
                            continue;
                        }

                        for (int q = 0; q < tileVectors; q++)
                        {
                            // This position's channel rows of sixteen tiles, turned into sixteen tile rows of channels.
                            float* rows = v + q * l.InputVector + (long)position * l.InputPosition, tiles = transposed + (long)q * Lanes * channels;
                            for (int c0 = 0; c0 < channels; c0 += Lanes) Lanes512.Transpose16(rows + c0 * Lanes, Lanes, tiles + c0, channels);
                        }

                        AccumulatePosition(g, l, tileVectors, transposed, d + (long)position * l.OutputPosition, sums + position * sumPlane);
                    }
                }

                FoldFilters(g, sums, sumPlane, channelsInLanes ? 1 : Lanes, wgp);
            }
        }

        /// <summary><c>sums[f][c] += Σ over the tiles of D[f][tile] V[tile][c]</c> for one position, in register blocks of
        /// eight filters by two vectors of channels kept over every tile.</summary>
        private static void AccumulatePosition(in ConvGeometry g, in Layout l, int tileVectors, float* transposed, float* d, float* sums)
        {
            int channels = g.Channels;
            for (int f0 = 0; f0 < g.Filters; f0 += FilterGroup)
            {
                for (int c0 = 0; c0 < channels; c0 += 2 * Lanes)
                {
                    EightFilters(tileVectors, transposed + c0, channels, d + f0 * Lanes, l.OutputVector, sums + (long)f0 * channels + c0);
                }
            }
        }

        /// <summary>The sums of eight filters by two vectors of channels, rows <paramref name="stride"/> floats apart in
        /// <paramref name="sums"/> and in the transposed tiles: for every tile, the channels' vectors times each filter's
        /// gradient transform (broadcast from its row of sixteen tiles, <paramref name="dStride"/> floats from one tile vector
        /// to the next). Sixteen sums, two loads and eight broadcasts per sixteen multiply-adds.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void EightFilters(int tileVectors, float* transposed, int stride, float* d, long dStride, float* sums)
        {
            float* s1 = sums + Lanes;
            Vector512<float> a0 = Vector512.Load(sums), a1 = Vector512.Load(sums + stride), a2 = Vector512.Load(sums + 2 * stride), a3 = Vector512.Load(sums + 3 * stride);
            Vector512<float> a4 = Vector512.Load(sums + 4 * stride), a5 = Vector512.Load(sums + 5 * stride), a6 = Vector512.Load(sums + 6 * stride), a7 = Vector512.Load(sums + 7 * stride);
            Vector512<float> b0 = Vector512.Load(s1), b1 = Vector512.Load(s1 + stride), b2 = Vector512.Load(s1 + 2 * stride), b3 = Vector512.Load(s1 + 3 * stride);
            Vector512<float> b4 = Vector512.Load(s1 + 4 * stride), b5 = Vector512.Load(s1 + 5 * stride), b6 = Vector512.Load(s1 + 6 * stride), b7 = Vector512.Load(s1 + 7 * stride);
            for (int q = 0; q < tileVectors; q++)
            {
                float* dq = d + q * dStride, vq = transposed + (long)q * Lanes * stride;
                for (int t = 0; t < Lanes; t++, vq += stride)
                {
                    Vector512<float> x0 = Vector512.Load(vq), x1 = Vector512.Load(vq + Lanes);
                    Vector512<float> e = Vector512.Create(dq[t]);
                    a0 = Vector512.FusedMultiplyAdd(e, x0, a0); b0 = Vector512.FusedMultiplyAdd(e, x1, b0);
                    e = Vector512.Create(dq[Lanes + t]);
                    a1 = Vector512.FusedMultiplyAdd(e, x0, a1); b1 = Vector512.FusedMultiplyAdd(e, x1, b1);
                    e = Vector512.Create(dq[2 * Lanes + t]);
                    a2 = Vector512.FusedMultiplyAdd(e, x0, a2); b2 = Vector512.FusedMultiplyAdd(e, x1, b2);
                    e = Vector512.Create(dq[3 * Lanes + t]);
                    a3 = Vector512.FusedMultiplyAdd(e, x0, a3); b3 = Vector512.FusedMultiplyAdd(e, x1, b3);
                    e = Vector512.Create(dq[4 * Lanes + t]);
                    a4 = Vector512.FusedMultiplyAdd(e, x0, a4); b4 = Vector512.FusedMultiplyAdd(e, x1, b4);
                    e = Vector512.Create(dq[5 * Lanes + t]);
                    a5 = Vector512.FusedMultiplyAdd(e, x0, a5); b5 = Vector512.FusedMultiplyAdd(e, x1, b5);
                    e = Vector512.Create(dq[6 * Lanes + t]);
                    a6 = Vector512.FusedMultiplyAdd(e, x0, a6); b6 = Vector512.FusedMultiplyAdd(e, x1, b6);
                    e = Vector512.Create(dq[7 * Lanes + t]);
                    a7 = Vector512.FusedMultiplyAdd(e, x0, a7); b7 = Vector512.FusedMultiplyAdd(e, x1, b7);
                }
            }

            a0.Store(sums); a1.Store(sums + stride); a2.Store(sums + 2 * stride); a3.Store(sums + 3 * stride);
            a4.Store(sums + 4 * stride); a5.Store(sums + 5 * stride); a6.Store(sums + 6 * stride); a7.Store(sums + 7 * stride);
            b0.Store(s1); b1.Store(s1 + stride); b2.Store(s1 + 2 * stride); b3.Store(s1 + 3 * stride);
            b4.Store(s1 + 4 * stride); b5.Store(s1 + 5 * stride); b6.Store(s1 + 6 * stride); b7.Store(s1 + 7 * stride);
        }

        /// <summary><c>A dY Aᵀ</c> for every tile and filter of one image's output gradient, <c>A = [1 0; 1 1; 1 -1; 0 -1]</c>: a
        /// tile's 2x2 gradients are split out of two rows' vectors by permutes, as the input transform splits its inputs.</summary>
        private static void TransformGradient(in ConvGeometry g, in Layout l, float* dy, float* target)
        {
            int filters = g.Filters, ow = g.OutWidth, plane = g.OutPlane;
            Vector512<int> even = Lanes512.Even, odd = Lanes512.Odd;
            for (int q = 0; q < l.Vectors; q++)
            {
                Corner(l, q, out int row0, out int column0, out _);
                // The second half of the lanes: the next sixteen columns, or the first output row of the next tile row.
                int second = l.RowsPerVector == 2 ? 2 * ow : Lanes;
                for (int f = 0; f < filters; f++)
                {
                    float* top = dy + (long)f * plane + row0 * ow + column0;
                    Vector512<float> a = Vector512.Load(top), b = Vector512.Load(top + second);
                    Vector512<float> y00 = Avx512F.PermuteVar16x32x2(a, even, b), y01 = Avx512F.PermuteVar16x32x2(a, odd, b);
                    a = Vector512.Load(top + ow);
                    b = Vector512.Load(top + ow + second);
                    Vector512<float> y10 = Avx512F.PermuteVar16x32x2(a, even, b), y11 = Avx512F.PermuteVar16x32x2(a, odd, b);
                    // A dY (4 x 2): rows y0, y0 + y1, y0 - y1, -y1; then each row times Aᵀ: r0, r0 + r1, r0 - r1, -r1.
                    float* at = target + q * l.OutputVector + f * Lanes;
                    long step = l.OutputPosition;
                    GradientRow(at, step, y00, y01);
                    GradientRow(at + 4 * step, step, y00 + y10, y01 + y11);
                    GradientRow(at + 8 * step, step, y00 - y10, y01 - y11);
                    GradientRow(at + 12 * step, step, -y10, -y11);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientRow(float* at, long step, Vector512<float> r0, Vector512<float> r1)
        {
            r0.Store(at);
            (r0 + r1).Store(at + step);
            (r0 - r1).Store(at + 2 * step);
            (-r1).Store(at + 3 * step);
        }

        /// <summary><c>sums[f][c] += sum over tile vectors of D[f] ⊙ V[c]</c> for one position, lane by lane (the lanes are
        /// summed once, at the end): four filters times four channels per register block.</summary>
        private static void Accumulate(in ConvGeometry g, in Layout l, int position, int vectors, float* v, float* d, float* sums)
        {
            int filters = g.Filters, channels = g.Channels;
            long inputStride = l.InputVector, outputStride = l.OutputVector;
            // Sixteen tile vectors at a time: their rows of this position (channels and filters x 16 floats each) stay in L1
            // while every block of sums passes over them. Over all of a group's vectors at once, each block read them from
            // L2 again, and SmallVgg's 32 x 32 layer ran slower than the kernel it replaced.
            for (int k0 = 0; k0 < vectors; k0 += Lanes)
            {
                AccumulateChunk(g, l, Math.Min(Lanes, vectors - k0), v + k0 * inputStride + (long)position * l.InputPosition,
                    d + k0 * outputStride + (long)position * l.OutputPosition, sums);
            }
        }

        private static void AccumulateChunk(in ConvGeometry g, in Layout l, int vectors, float* v0, float* d0, float* sums)
        {
            int filters = g.Filters, channels = g.Channels;
            long inputStride = l.InputVector, outputStride = l.OutputVector;
            for (int f0 = 0; f0 < filters; f0 += FilterBlock)
            {
                for (int c0 = 0; c0 < channels; c0 += 4)
                {
                    float* s = sums + ((long)f0 * channels + c0) * Lanes;
                    long row = (long)channels * Lanes;
                    Vector512<float> a00 = Vector512.Load(s), a01 = Vector512.Load(s + Lanes), a02 = Vector512.Load(s + 2 * Lanes), a03 = Vector512.Load(s + 3 * Lanes);
                    Vector512<float> a10 = Vector512.Load(s + row), a11 = Vector512.Load(s + row + Lanes), a12 = Vector512.Load(s + row + 2 * Lanes), a13 = Vector512.Load(s + row + 3 * Lanes);
                    Vector512<float> a20 = Vector512.Load(s + 2 * row), a21 = Vector512.Load(s + 2 * row + Lanes), a22 = Vector512.Load(s + 2 * row + 2 * Lanes), a23 = Vector512.Load(s + 2 * row + 3 * Lanes);
                    Vector512<float> a30 = Vector512.Load(s + 3 * row), a31 = Vector512.Load(s + 3 * row + Lanes), a32 = Vector512.Load(s + 3 * row + 2 * Lanes), a33 = Vector512.Load(s + 3 * row + 3 * Lanes);
                    float* dq = d0 + f0 * Lanes;
                    float* vq = v0 + c0 * Lanes;
                    for (int q = 0; q < vectors; q++, dq += outputStride, vq += inputStride)
                    {
                        Vector512<float> x0 = Vector512.Load(vq), x1 = Vector512.Load(vq + Lanes), x2 = Vector512.Load(vq + 2 * Lanes), x3 = Vector512.Load(vq + 3 * Lanes);
                        Vector512<float> e = Vector512.Load(dq);
                        a00 = Vector512.FusedMultiplyAdd(e, x0, a00); a01 = Vector512.FusedMultiplyAdd(e, x1, a01);
                        a02 = Vector512.FusedMultiplyAdd(e, x2, a02); a03 = Vector512.FusedMultiplyAdd(e, x3, a03);
                        e = Vector512.Load(dq + Lanes);
                        a10 = Vector512.FusedMultiplyAdd(e, x0, a10); a11 = Vector512.FusedMultiplyAdd(e, x1, a11);
                        a12 = Vector512.FusedMultiplyAdd(e, x2, a12); a13 = Vector512.FusedMultiplyAdd(e, x3, a13);
                        e = Vector512.Load(dq + 2 * Lanes);
                        a20 = Vector512.FusedMultiplyAdd(e, x0, a20); a21 = Vector512.FusedMultiplyAdd(e, x1, a21);
                        a22 = Vector512.FusedMultiplyAdd(e, x2, a22); a23 = Vector512.FusedMultiplyAdd(e, x3, a23);
                        e = Vector512.Load(dq + 3 * Lanes);
                        a30 = Vector512.FusedMultiplyAdd(e, x0, a30); a31 = Vector512.FusedMultiplyAdd(e, x1, a31);
                        a32 = Vector512.FusedMultiplyAdd(e, x2, a32); a33 = Vector512.FusedMultiplyAdd(e, x3, a33);
                    }

                    a00.Store(s); a01.Store(s + Lanes); a02.Store(s + 2 * Lanes); a03.Store(s + 3 * Lanes);
                    a10.Store(s + row); a11.Store(s + row + Lanes); a12.Store(s + row + 2 * Lanes); a13.Store(s + row + 3 * Lanes);
                    a20.Store(s + 2 * row); a21.Store(s + 2 * row + Lanes); a22.Store(s + 2 * row + 2 * Lanes); a23.Store(s + 2 * row + 3 * Lanes);
                    a30.Store(s + 3 * row); a31.Store(s + 3 * row + Lanes); a32.Store(s + 3 * row + 2 * Lanes); a33.Store(s + 3 * row + 3 * Lanes);
                }
            }
        }

        /// <summary><c>dW[f][c] = Gᵀ S G</c> (3x3) from the sixteen positions' sums <c>S</c>, overwriting the weight gradient:
        /// <paramref name="lanes"/> partial sums per filter and channel (16, added here; or 1).</summary>
        private static void FoldFilters(in ConvGeometry g, float* sums, long sumPlane, int lanes, float* dw)
        {
            int filters = g.Filters, channels = g.Channels;
            float* s = stackalloc float[Positions];
            float* t = stackalloc float[12];
            for (int f = 0; f < filters; f++)
            {
                for (int c = 0; c < channels; c++)
                {
                    long at = ((long)f * channels + c) * lanes;
                    for (int p = 0; p < Positions; p++) s[p] = lanes == 1 ? sums[p * sumPlane + at] : Vector512.Sum(Vector512.Load(sums + p * sumPlane + at));
                    // T = Gᵀ S (3 x 4), then T G (3 x 3); G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
                    for (int nu = 0; nu < 4; nu++)
                    {
                        float s0 = s[nu], s1 = s[4 + nu], s2 = s[8 + nu], s3 = s[12 + nu];
                        t[nu] = s0 + 0.5f * (s1 + s2);
                        t[4 + nu] = 0.5f * (s1 - s2);
                        t[8 + nu] = 0.5f * (s1 + s2) + s3;
                    }

                    float* target = dw + ((long)f * channels + c) * 9;
                    for (int a = 0; a < 3; a++)
                    {
                        float t0 = t[4 * a], t1 = t[4 * a + 1], t2 = t[4 * a + 2], t3 = t[4 * a + 3];
                        target[3 * a] = t0 + 0.5f * (t1 + t2);
                        target[3 * a + 1] = 0.5f * (t1 - t2);
                        target[3 * a + 2] = 0.5f * (t1 + t2) + t3;
                    }
                }
            }
        }
    }
}
