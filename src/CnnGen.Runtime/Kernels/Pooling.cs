using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Max and average pooling over batched NCHW data (<see cref="ConvGeometry.Filters"/> equals
    /// <see cref="ConvGeometry.Channels"/>). Max pooling records, per window, which of its inputs won (its <i>winner
    /// code</i>: one byte, see <see cref="NoWinner"/>) so backward sends each gradient to exactly one input, as the notes'
    /// Pooling class does with its arg-max.
    /// </summary>
    /// <remarks>
    /// A winner code is the maximum's place inside its window, row by row: <c>(iy - y0) * k + (ix - x0)</c> for a
    /// <c>k x k</c> window whose top-left corner is <c>(y0, x0)</c> (padding included), so a code is the same whichever
    /// image, plane or chunk of a batch the window belongs to. Why a byte rather than the input's index: SimpleConvNet's
    /// training step at batch 100 writes 432,000 codes forward and reads them back; as <c>int</c> indices they were
    /// 1.7 MB each way, as codes 0.43 MB, and after a ReLU the code also says whether the window passes a gradient at
    /// all, so the backward pass no longer reads the pool's output (another 1.7 MB).
    /// </remarks>
    public static class Pooling
    {
        /// <summary>The winner code of a window that passes no gradient back: a window made only of padding, or, when a ReLU
        /// comes before the pool (<see cref="MaxReluForward(in ConvGeometry, int, ReadOnlySpan{float}, Span{float}, Span{byte})"/>),
        /// one whose maximum is not positive.</summary>
        public const byte NoWinner = 255;

        /// <summary>The largest max-pooling window side: a <c>k x k</c> window has <c>k * k</c> codes, and they and
        /// <see cref="NoWinner"/> fit in a byte.</summary>
        public const int MaxWindow = 15;

        /// <summary>Max pooling; <paramref name="winners"/> receives each window's winner code (its first maximum's place in
        /// the window). Padding never wins.</summary>
        public static void MaxForward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, Span<byte> winners) =>
            MaxForwardCore(g, batch, x, y, winners, relu: false);

        /// <summary>Max pooling with winner codes; with <paramref name="relu"/>, each output goes through a ReLU as it is
        /// stored and a window whose maximum is not positive records <see cref="NoWinner"/>.</summary>
        private static unsafe void MaxForwardCore(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, Span<byte> winners, bool relu)
        {
            ValidateMax(g, batch, x.Length, y.Length);
            Guard.Length(winners.Length, (long)batch * g.OutputSize, nameof(winners));
            int h = g.Height, w = g.Width, k = g.Kernel, s = g.Stride, p = g.Pad, oh = g.OutHeight, ow = g.OutWidth;
            int planes = batch * g.Channels;
            if (IsTwoByTwo(g))
            {
                if (!SplitsPlanes(g, planes))
                {
                    MaxForward2x2(0, planes, h, w, oh, ow, x, y, winners, relu);
                    return;
                }

                fixed (float* xp = x)
                fixed (float* yp = y)
                fixed (byte* cp = winners)
                {
                    PoolJob.Run(PoolJob.Kind.MaxForward, g, planes, xp, yp, cp, relu: relu);
                }

                return;
            }

            for (int pl = 0; pl < planes; pl++)
            {
                int inBase = pl * h * w;
                int outBase = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int y0 = oy * s - p;
                    int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + k, h);
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int x0 = ox * s - p;
                        int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + k, w);
                        float best = float.NegativeInfinity;
                        int bestCode = -1;
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            for (int ix = xStart; ix < xEnd; ix++)
                            {
                                float v = x[inBase + iy * w + ix];
                                if (v > best || bestCode < 0)
                                {
                                    best = v;
                                    bestCode = (iy - y0) * k + ix - x0;
                                }
                            }
                        }

                        // A window made only of padding (possible only when pad >= size) outputs 0 and routes no gradient;
                        // after a ReLU, neither does a window whose maximum is not positive.
                        float value = bestCode < 0 ? 0f : best;
                        bool passes = bestCode >= 0 && (!relu || best > 0f);
                        y[outBase + oy * ow + ox] = relu ? MathF.Max(value, 0f) : value;
                        winners[outBase + oy * ow + ox] = passes ? (byte)bestCode : NoWinner;
                    }
                }
            }
        }

        /// <summary>
        /// <c>y = relu(maxpool(x))</c>, which equals <c>maxpool(relu(x))</c> exactly (max and ReLU commute), in one pass and
        /// without winner codes: an inference pass's ReLU followed by max pooling reads its input once and writes only the
        /// pooled quarter (or so). A window made only of padding outputs 0, as in <see cref="MaxForward"/>.
        /// </summary>
        public static unsafe void MaxReluForward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
        {
            Validate(g, batch, x.Length, y.Length);
            int planes = batch * g.Channels;
            if (IsTwoByTwo(g) && SplitsPlanes(g, planes))
            {
                fixed (float* xp = x)
                fixed (float* yp = y)
                {
                    PoolJob.Run(PoolJob.Kind.MaxReluForward, g, planes, xp, yp, null);
                }

                return;
            }

            MaxReluPlanes(g, planes, x, y);
        }

        /// <summary>
        /// A training pass's ReLU followed by max pooling, with winner codes: <c>y = relu(maxpool(x))</c> and, per window, the
        /// code of its maximum of <paramref name="x"/>, or <see cref="NoWinner"/> where that maximum is not positive (the
        /// ReLU passes no gradient there). <see cref="MaxBackward"/> then routes exactly the ReLU's and the pool's gradient.
        /// The ReLU's own output is never written.
        /// </summary>
        public static void MaxReluForward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, Span<byte> winners) =>
            MaxForwardCore(g, batch, x, y, winners, relu: true);

        /// <summary>The inference form of MaxReluForward (no arg-max) over <paramref name="planes"/> planes on the calling thread, unchecked.</summary>
        internal static void MaxReluPlanes(in ConvGeometry g, int planes, ReadOnlySpan<float> x, Span<float> y)
        {
            if (IsTwoByTwo(g))
            {
                MaxRelu2x2(0, planes, g.Height, g.Width, g.OutHeight, g.OutWidth, x, y);
                return;
            }

            int h = g.Height, w = g.Width, k = g.Kernel, s = g.Stride, p = g.Pad, oh = g.OutHeight, ow = g.OutWidth;
            for (int pl = 0; pl < planes; pl++)
            {
                int inBase = pl * h * w, outBase = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int yStart = Math.Max(oy * s - p, 0), yEnd = Math.Min(oy * s - p + k, h);
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int xStart = Math.Max(ox * s - p, 0), xEnd = Math.Min(ox * s - p + k, w);
                        float best = 0f; // the ReLU's floor; also the output of an all-padding window
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            for (int ix = xStart; ix < xEnd; ix++)
                            {
                                float v = x[inBase + iy * w + ix];
                                if (v > best) best = v;
                            }
                        }

                        y[outBase + oy * ow + ox] = best;
                    }
                }
            }
        }

        /// <summary>The 2x2 stride-2 case of <see cref="MaxReluPlanes"/>: eight windows at a time as in <see cref="MaxForward2x2"/>.</summary>
        private static void MaxRelu2x2(int firstPlane, int endPlane, int h, int w, int oh, int ow, ReadOnlySpan<float> x, Span<float> y)
        {
            ref float src = ref MemoryMarshal.GetReference(x);
            ref float dst = ref MemoryMarshal.GetReference(y);
            bool vector = KernelDispatch.Level >= SimdLevel.Avx2 && Avx2.IsSupported;
            for (int pl = firstPlane; pl < endPlane; pl++)
            {
                int inBase = pl * h * w, outBase = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int r0 = inBase + 2 * oy * w, r1 = r0 + w, o = outBase + oy * ow;
                    int ox = 0;
                    if (vector && ow >= 8)
                    {
                        // A last partial group is shifted back to end at the row's end (it recomputes a few outputs).
                        for (; ox < ow; ox += 8)
                        {
                            if (ox + 8 > ow) ox = ow - 8;
                            (Vector256<float> a, Vector256<float> b) = Deinterleave(ref Unsafe.Add(ref src, r0 + 2 * ox));
                            (Vector256<float> c, Vector256<float> d) = Deinterleave(ref Unsafe.Add(ref src, r1 + 2 * ox));
                            Vector256<float> best = Vector256.Max(Vector256.Max(a, b), Vector256.Max(c, d));
                            Vector256.Max(best, Vector256<float>.Zero).StoreUnsafe(ref dst, (nuint)(o + ox));
                        }

                        continue;
                    }

                    for (; ox < ow; ox++)
                    {
                        int i0 = r0 + 2 * ox, i1 = r1 + 2 * ox;
                        float best = Math.Max(Math.Max(Unsafe.Add(ref src, i0), Unsafe.Add(ref src, i0 + 1)),
                            Math.Max(Unsafe.Add(ref src, i1), Unsafe.Add(ref src, i1 + 1)));
                        Unsafe.Add(ref dst, o + ox) = best > 0f ? best : 0f;
                    }
                }
            }
        }

        /// <summary>2x2 windows with stride 2 and no padding: every window lies inside the image.</summary>
        private static bool IsTwoByTwo(in ConvGeometry g) =>
            g.Kernel == 2 && g.Stride == 2 && g.Pad == 0 && g.OutHeight * 2 <= g.Height && g.OutWidth * 2 <= g.Width;

        /// <summary>The 2x2 stride-2 fast path: four compares per output in the order of the general loop (row by row,
        /// the first maximum wins), without bounds checks (the lengths were validated by the caller); with
        /// <paramref name="relu"/>, each output goes through a ReLU as it is stored and a window whose maximum is not positive
        /// records <see cref="NoWinner"/>.</summary>
        private static void MaxForward2x2(int firstPlane, int endPlane, int h, int w, int oh, int ow, ReadOnlySpan<float> x, Span<float> y,
            Span<byte> winners, bool relu)
        {
            ref float src = ref MemoryMarshal.GetReference(x);
            ref float dst = ref MemoryMarshal.GetReference(y);
            ref byte codes = ref MemoryMarshal.GetReference(winners);
            bool vector = KernelDispatch.Level >= SimdLevel.Avx2 && Avx2.IsSupported;
            Vector256<int> one = Vector256.Create(1), two = Vector256.Create(2), three = Vector256.Create(3), none = Vector256.Create((int)NoWinner);
            int o = firstPlane * oh * ow;
            for (int pl = firstPlane; pl < endPlane; pl++)
            {
                int inBase = pl * h * w;
                for (int oy = 0; oy < oh; oy++)
                {
                    int r0 = inBase + 2 * oy * w;
                    int r1 = r0 + w;
                    int ox = 0;
                    int rowStart = o;
                    if (vector && ow >= 8)
                    {
                        // Eight windows at a time, branch-free: split each pair of input rows into even and odd
                        // columns, then keep the value and code of the first maximum with compare-and-select.
                        // A last partial group is shifted back to end at the row's end (it recomputes a few outputs).
                        for (; ox < ow; ox += 8, o += 8)
                        {
                            if (ox + 8 > ow)
                            {
                                o -= ox - (ow - 8);
                                ox = ow - 8;
                            }

                            int i0 = r0 + 2 * ox, i1 = r1 + 2 * ox;
                            (Vector256<float> a, Vector256<float> b) = Deinterleave(ref Unsafe.Add(ref src, i0));
                            (Vector256<float> c, Vector256<float> d) = Deinterleave(ref Unsafe.Add(ref src, i1));
                            Vector256<float> best = a;
                            Vector256<int> code = Vector256<int>.Zero;
                            Vector256<float> m = Vector256.GreaterThan(b, best);
                            best = Vector256.ConditionalSelect(m, b, best);
                            code = Vector256.ConditionalSelect(m.AsInt32(), one, code);
                            m = Vector256.GreaterThan(c, best);
                            best = Vector256.ConditionalSelect(m, c, best);
                            code = Vector256.ConditionalSelect(m.AsInt32(), two, code);
                            m = Vector256.GreaterThan(d, best);
                            best = Vector256.ConditionalSelect(m, d, best);
                            code = Vector256.ConditionalSelect(m.AsInt32(), three, code);
                            if (relu)
                            {
                                code = Vector256.ConditionalSelect(Vector256.GreaterThan(best, Vector256<float>.Zero).AsInt32(), code, none);
                                best = Vector256.Max(best, Vector256<float>.Zero);
                            }

                            best.StoreUnsafe(ref dst, (nuint)o);
                            StoreCodes(code, ref Unsafe.Add(ref codes, o));
                        }

                        o = rowStart + ow;
                        continue;
                    }

                    for (; ox < ow; ox++, o++)
                    {
                        int i0 = r0 + 2 * ox, i1 = r1 + 2 * ox;
                        float best = Unsafe.Add(ref src, i0);
                        byte code = 0;
                        float v = Unsafe.Add(ref src, i0 + 1);
                        if (v > best) { best = v; code = 1; }
                        v = Unsafe.Add(ref src, i1);
                        if (v > best) { best = v; code = 2; }
                        v = Unsafe.Add(ref src, i1 + 1);
                        if (v > best) { best = v; code = 3; }
                        Unsafe.Add(ref dst, o) = relu ? MathF.Max(best, 0f) : best;
                        Unsafe.Add(ref codes, o) = relu && !(best > 0f) ? NoWinner : code;
                    }
                }
            }
        }

        /// <summary>Stores eight codes (each in 0-255) as eight bytes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreCodes(Vector256<int> codes, ref byte destination)
        {
            Vector128<ushort> words = Vector128.Narrow(codes.GetLower().AsUInt32(), codes.GetUpper().AsUInt32());
            Unsafe.WriteUnaligned(ref destination, Vector128.Narrow(words, words).AsUInt64().ToScalar());
        }

        /// <summary>Sixteen floats from <paramref name="source"/> split into their even and odd elements, in order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(ref float source)
        {
            Vector256<float> lo = Vector256.LoadUnsafe(ref source), hi = Vector256.LoadUnsafe(ref source, 8);
            Vector256<float> even = Avx.Shuffle(lo, hi, 0b10_00_10_00); // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
            Vector256<float> odd = Avx.Shuffle(lo, hi, 0b11_01_11_01);
            even = Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle();
            odd = Avx2.Permute4x64(odd.AsDouble(), 0b11_01_10_00).AsSingle();
            return (even, odd);
        }

        /// <summary>Whether the 2x2 max-pooling backward kernel takes <paramref name="g"/>: windows that tile the input exactly.</summary>
        private static bool UsesBackward2x2(in ConvGeometry g) =>
            IsTwoByTwo(g) && g.OutHeight * 2 == g.Height && g.OutWidth * 2 == g.Width && g.OutWidth >= 8 &&
            KernelDispatch.Level >= SimdLevel.Avx2 && Avx2.IsSupported;

        /// <summary>
        /// Max pooling backward, <b>overwriting</b> <paramref name="dx"/>: each window's gradient goes to its winner, as
        /// <paramref name="winners"/> records it, and nowhere for <see cref="NoWinner"/>. After
        /// <see cref="MaxReluForward(in ConvGeometry, int, ReadOnlySpan{float}, Span{float}, Span{byte})"/> this is the backward
        /// pass of the pool and the ReLU before it at once (<paramref name="dx"/> is the ReLU's input gradient).
        /// </summary>
        public static unsafe void MaxBackward(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<byte> winners, Span<float> dx)
        {
            ValidateMax(g, batch, dx.Length, dy.Length);
            Guard.Length(winners.Length, (long)batch * g.OutputSize, nameof(winners));
            int planes = batch * g.Channels;
            if (UsesBackward2x2(g))
            {
                if (!SplitsPlanes(g, planes))
                {
                    MaxBackward2x2(0, planes, g.Width, g.OutHeight, g.OutWidth, dy, winners, dx);
                    return;
                }

                fixed (float* dyp = dy)
                fixed (float* dxp = dx)
                fixed (byte* cp = winners)
                {
                    PoolJob.Run(PoolJob.Kind.MaxBackward, g, planes, dyp, dxp, cp);
                }

                return;
            }

            dx.Clear();
            int h = g.Height, w = g.Width, k = g.Kernel, s = g.Stride, p = g.Pad, oh = g.OutHeight, ow = g.OutWidth;
            for (int pl = 0, i = 0; pl < planes; pl++)
            {
                int inBase = pl * h * w;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++, i++)
                    {
                        int code = winners[i];
                        if (code == NoWinner) continue;
                        int iy = oy * s - p + code / k, ix = ox * s - p + code % k;
                        dx[inBase + iy * w + ix] += dy[i];
                    }
                }
            }
        }

        /// <summary>2x2 stride-2 windows that tile the input exactly: every input belongs to one window, so each input
        /// gradient is written once (the window's gradient at its winner, zero elsewhere) with no clearing pass and no
        /// scatter.</summary>
        private static void MaxBackward2x2(int firstPlane, int endPlane, int w, int oh, int ow, ReadOnlySpan<float> dy, ReadOnlySpan<byte> winners,
            Span<float> dx)
        {
            ref float src = ref MemoryMarshal.GetReference(dy);
            ref byte codes = ref MemoryMarshal.GetReference(winners);
            ref float dst = ref MemoryMarshal.GetReference(dx);
            // NoWinner equals none of the four codes: its window's gradient goes nowhere.
            Vector256<int> one = Vector256.Create(1), two = Vector256.Create(2), three = Vector256.Create(3);
            int o = firstPlane * oh * ow;
            for (int pl = firstPlane; pl < endPlane; pl++)
            {
                int inBase = pl * 4 * oh * ow;
                for (int oy = 0; oy < oh; oy++, o += ow)
                {
                    int r0 = inBase + 2 * oy * w;
                    for (int ox = 0; ox < ow; ox += 8)
                    {
                        if (ox + 8 > ow) ox = ow - 8; // overlap the previous group: the same values are written again
                        int i0 = r0 + 2 * ox;
                        Vector256<float> gradient = Vector256.LoadUnsafe(ref src, (nuint)(o + ox));
                        Vector256<int> code = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref codes, o + ox))).AsByte());
                        Vector256<float> g00 = Vector256.Equals(code, Vector256<int>.Zero).AsSingle() & gradient;
                        Vector256<float> g01 = Vector256.Equals(code, one).AsSingle() & gradient;
                        Vector256<float> g10 = Vector256.Equals(code, two).AsSingle() & gradient;
                        Vector256<float> g11 = Vector256.Equals(code, three).AsSingle() & gradient;
                        Interleave(g00, g01, ref Unsafe.Add(ref dst, i0));
                        Interleave(g10, g11, ref Unsafe.Add(ref dst, i0 + w));
                    }
                }
            }
        }

        /// <summary>Writes <c>e0 o0 e1 o1 ... e7 o7</c> (sixteen floats) to <paramref name="destination"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Interleave(Vector256<float> even, Vector256<float> odd, ref float destination)
        {
            Vector256<float> lo = Avx.UnpackLow(even, odd), hi = Avx.UnpackHigh(even, odd);
            Avx.Permute2x128(lo, hi, 0x20).StoreUnsafe(ref destination);
            Avx.Permute2x128(lo, hi, 0x31).StoreUnsafe(ref destination, 8);
        }

        /// <summary>2x2 stride-2 average pooling backward for windows that tile the input exactly: each input gradient is its
        /// window's gradient times a quarter, written once, with no clearing pass, eight windows at a time where rows are at
        /// least eight windows wide. Every path computes the same product as the general loop, which adds it to a zero: the
        /// values are the same, but for the sign of a zero gradient. Taken at any SIMD level (the scalar rows included) for
        /// 2x2 stride-2 windows without padding whose rows and columns tile the input exactly.</summary>
        private static void AvgBackward2x2(int firstPlane, int endPlane, int w, int oh, int ow, ReadOnlySpan<float> dy, Span<float> dx)
        {
            ref float src = ref MemoryMarshal.GetReference(dy);
            ref float dst = ref MemoryMarshal.GetReference(dx);
            Vector256<float> quarter = Vector256.Create(0.25f);
            bool vector = ow >= 8 && KernelDispatch.Level >= SimdLevel.Avx2 && Avx2.IsSupported;
            int o = firstPlane * oh * ow;
            for (int pl = firstPlane; pl < endPlane; pl++)
            {
                int inBase = pl * 4 * oh * ow;
                for (int oy = 0; oy < oh; oy++, o += ow)
                {
                    int r0 = inBase + 2 * oy * w;
                    if (!vector)
                    {
                        for (int ox = 0; ox < ow; ox++)
                        {
                            float gradient = Unsafe.Add(ref src, o + ox) * 0.25f;
                            ref float top = ref Unsafe.Add(ref dst, r0 + 2 * ox);
                            top = gradient;
                            Unsafe.Add(ref top, 1) = gradient;
                            Unsafe.Add(ref top, w) = gradient;
                            Unsafe.Add(ref top, w + 1) = gradient;
                        }

                        continue;
                    }

                    for (int ox = 0; ox < ow; ox += 8)
                    {
                        if (ox + 8 > ow) ox = ow - 8; // overlap the previous group: the same values are written again
                        int i0 = r0 + 2 * ox;
                        Vector256<float> gradient = Vector256.LoadUnsafe(ref src, (nuint)(o + ox)) * quarter;
                        Interleave(gradient, gradient, ref Unsafe.Add(ref dst, i0));
                        Interleave(gradient, gradient, ref Unsafe.Add(ref dst, i0 + w));
                    }
                }
            }
        }

        /// <summary>Average pooling; every window divides by <c>size*size</c> (padding counts as zeros).</summary>
        public static void AvgForward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
        {
            Validate(g, batch, x.Length, y.Length);
            int h = g.Height, w = g.Width, k = g.Kernel, s = g.Stride, p = g.Pad, oh = g.OutHeight, ow = g.OutWidth;
            float scale = 1f / (k * k);
            int planes = batch * g.Channels;
            if (IsTwoByTwo(g) && KernelDispatch.Level >= SimdLevel.Avx512 && Avx512F.IsSupported)
            {
                AvgForward2x2Avx512(planes, h, w, oh, ow, x, y);
                return;
            }

            if (IsTwoByTwo(g))
            {
                ref float src = ref MemoryMarshal.GetReference(x);
                ref float dst = ref MemoryMarshal.GetReference(y);
                int o = 0;
                for (int pl = 0; pl < planes; pl++)
                {
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int r0 = pl * h * w + 2 * oy * w, r1 = r0 + w;
                        for (int ox = 0; ox < ow; ox++, o++)
                        {
                            int i0 = r0 + 2 * ox, i1 = r1 + 2 * ox;
                            float sum = Unsafe.Add(ref src, i0) + Unsafe.Add(ref src, i0 + 1);
                            sum += Unsafe.Add(ref src, i1);
                            sum += Unsafe.Add(ref src, i1 + 1);
                            Unsafe.Add(ref dst, o) = sum * scale;
                        }
                    }
                }

                return;
            }

            for (int pl = 0; pl < planes; pl++)
            {
                int inBase = pl * h * w;
                int outBase = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int y0 = oy * s - p;
                    int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + k, h);
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int x0 = ox * s - p;
                        int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + k, w);
                        float sum = 0f;
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            int rowBase = inBase + iy * w;
                            for (int ix = xStart; ix < xEnd; ix++) sum += x[rowBase + ix];
                        }

                        y[outBase + oy * ow + ox] = sum * scale;
                    }
                }
            }
        }

        /// <summary>
        /// The 2x2 stride-2 average on AVX-512, sixteen outputs at a time: each input row's 32 values (masked at the row's
        /// end) are split into their even and odd columns by two-source permutes, and every output is summed in the scalar
        /// path's order (top-left + top-right, + bottom-left, + bottom-right), so the results are bit for bit the same.
        /// The scalar loop took 2.1 µs for LeNet-5's first pool (6x28x28) at batch 1.
        /// </summary>
        private static unsafe void AvgForward2x2Avx512(int planes, int h, int w, int oh, int ow, ReadOnlySpan<float> x, Span<float> y)
        {
            Vector512<int> even = Lanes512.Even, odd = Lanes512.Odd;
            Vector512<float> quarter = Vector512.Create(0.25f), zero = Vector512<float>.Zero;
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                float* output = yp;
                for (int plane = 0; plane < planes; plane++)
                {
                    for (int oy = 0; oy < oh; oy++, output += ow)
                    {
                        float* top = xp + (long)plane * h * w + (long)2 * oy * w, bottom = top + w;
                        for (int ox = 0; ox < ow; ox += 16)
                        {
                            // n outputs from 2n inputs of each row: the masks cover the lanes that exist.
                            int n = Math.Min(16, ow - ox);
                            Vector512<float> low = Lanes512.First(Math.Min(16, 2 * n)), high = Lanes512.First(2 * n - 16), outputs = Lanes512.First(n);
                            float* t = top + 2 * ox, b = bottom + 2 * ox;
                            Vector512<float> t0 = Avx512F.MaskLoad(t, low, zero), t1 = Avx512F.MaskLoad(t + 16, high, zero);
                            Vector512<float> b0 = Avx512F.MaskLoad(b, low, zero), b1 = Avx512F.MaskLoad(b + 16, high, zero);
                            Vector512<float> sum = Avx512F.PermuteVar16x32x2(t0, even, t1) + Avx512F.PermuteVar16x32x2(t0, odd, t1);
                            sum += Avx512F.PermuteVar16x32x2(b0, even, b1);
                            sum += Avx512F.PermuteVar16x32x2(b0, odd, b1);
                            Avx512F.MaskStore(output + ox, outputs, sum * quarter);
                        }
                    }
                }
            }
        }


        /// <summary>Average pooling backward, <b>overwriting</b> <paramref name="dx"/>: each output gradient is spread evenly over its window.</summary>
        public static unsafe void AvgBackward(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Validate(g, batch, dx.Length, dy.Length);
            int h = g.Height, w = g.Width, k = g.Kernel, s = g.Stride, p = g.Pad, oh = g.OutHeight, ow = g.OutWidth;
            float scale = 1f / (k * k);
            int planes = batch * g.Channels;
            if (IsTwoByTwo(g) && oh * 2 == h && ow * 2 == w)
            {
                // Windows that tile the input exactly: every input gradient is written once.
                if (!SplitsPlanes(g, planes))
                {
                    AvgBackward2x2(0, planes, w, oh, ow, dy, dx);
                    return;
                }

                fixed (float* dyp = dy)
                fixed (float* dxp = dx)
                {
                    PoolJob.Run(PoolJob.Kind.AvgBackward, g, planes, dyp, dxp, null);
                }

                return;
            }

            dx.Clear();
            for (int pl = 0; pl < planes; pl++)
            {
                int inBase = pl * h * w;
                int outBase = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int y0 = oy * s - p;
                    int yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + k, h);
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int x0 = ox * s - p;
                        int xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + k, w);
                        float gradient = dy[outBase + oy * ow + ox] * scale;
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            int rowBase = inBase + iy * w;
                            for (int ix = xStart; ix < xEnd; ix++) dx[rowBase + ix] += gradient;
                        }
                    }
                }
            }
        }

        /// <summary>Global average pooling: each channel's mean, <c>C x H x W -> C</c>.</summary>
        public static void GlobalAvgForward(int batch, int channels, int plane, ReadOnlySpan<float> x, Span<float> y)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * channels * plane, nameof(x));
            Guard.Length(y.Length, (long)batch * channels, nameof(y));
            for (int i = 0; i < batch * channels; i++)
            {
                y[i] = System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice(i * plane, plane)) / plane;
            }
        }

        /// <summary>Global average pooling backward, <b>overwriting</b> <paramref name="dx"/>.</summary>
        public static void GlobalAvgBackward(int batch, int channels, int plane, ReadOnlySpan<float> dy, Span<float> dx)
        {
            Guard.Batch(batch);
            Guard.Length(dx.Length, (long)batch * channels * plane, nameof(dx));
            Guard.Length(dy.Length, (long)batch * channels, nameof(dy));
            for (int i = 0; i < batch * channels; i++)
            {
                dx.Slice(i * plane, plane).Fill(dy[i] / plane);
            }
        }

        /// <summary>Whether the planes of a 2x2 pooling call are worth sharing among threads.</summary>
        private static bool SplitsPlanes(in ConvGeometry g, int planes) =>
            planes > 1 && ParallelBlocks.Degree > 1 && (long)planes * g.Height * g.Width >= ParallelBlocks.ElementwiseThreshold;

        /// <summary>One parallel 2x2 pooling call: blocks are contiguous plane ranges (bit-identical to one thread).</summary>
        private sealed unsafe class PoolJob : IBlockJob
        {
            public enum Kind { MaxForward, MaxBackward, MaxReluForward, AvgBackward }

            private Kind _kind;
            private ConvGeometry _g;
            private int _planes, _blocks;

            /// <summary>MaxForward: in = x, out = y. MaxBackward and AvgBackward: in = dy, out = dx.</summary>
            private float* _in, _out;

            /// <summary>MaxForward and MaxBackward: the winner codes.</summary>
            private byte* _winners;

            /// <summary>MaxForward: a ReLU applied to each output as it is stored.</summary>
            private bool _relu;

            [ThreadStatic] private static PoolJob? t_current;

            /// <summary>Runs one call's planes shared among the pool's threads, with this thread's job object (the caller has
            /// pinned the memory).</summary>
            public static void Run(Kind kind, in ConvGeometry g, int planes, float* input, float* output, byte* winners, bool relu = false)
            {
                PoolJob job = t_current ??= new PoolJob();
                job._kind = kind; job._g = g; job._planes = planes; job._in = input; job._out = output; job._winners = winners; job._relu = relu;
                job._blocks = ParallelBlocks.BlocksFor(planes);
                ParallelBlocks.Run(job, job._blocks);
                job._in = job._out = null;
                job._winners = null;
            }

            public void Run(int block)
            {
                int p0 = ParallelBlocks.Split(_planes, _blocks, block), p1 = ParallelBlocks.Split(_planes, _blocks, block + 1);
                if (p1 <= p0) return;
                ConvGeometry g = _g;
                int inLength = _planes * g.Height * g.Width, outLength = _planes * g.OutHeight * g.OutWidth;
                if (_kind == Kind.MaxReluForward)
                {
                    MaxRelu2x2(p0, p1, g.Height, g.Width, g.OutHeight, g.OutWidth, new ReadOnlySpan<float>(_in, inLength),
                        new Span<float>(_out, outLength));
                }
                else if (_kind == Kind.MaxForward)
                {
                    MaxForward2x2(p0, p1, g.Height, g.Width, g.OutHeight, g.OutWidth, new ReadOnlySpan<float>(_in, inLength),
                        new Span<float>(_out, outLength), new Span<byte>(_winners, outLength), _relu);
                }
                else if (_kind == Kind.AvgBackward)
                {
                    AvgBackward2x2(p0, p1, g.Width, g.OutHeight, g.OutWidth, new ReadOnlySpan<float>(_in, outLength), new Span<float>(_out, inLength));
                }
                else
                {
                    MaxBackward2x2(p0, p1, g.Width, g.OutHeight, g.OutWidth, new ReadOnlySpan<float>(_in, outLength),
                        new ReadOnlySpan<byte>(_winners, outLength), new Span<float>(_out, inLength));
                }
            }
        }

        /// <summary><see cref="Validate"/> for a max pool that records winner codes: its window is at most <see cref="MaxWindow"/>.</summary>
        private static void ValidateMax(in ConvGeometry g, int batch, int inputLength, int outputLength)
        {
            Validate(g, batch, inputLength, outputLength);
            GuardWindow(g);
        }

        /// <summary>Throws unless a max pool's winner codes fit in a byte (<see cref="MaxWindow"/>).</summary>
        internal static void GuardWindow(in ConvGeometry pool)
        {
            if (pool.Kernel > MaxWindow)
            {
                throw new ArgumentException($"A max pool that records its winners takes windows up to {MaxWindow}x{MaxWindow}; this one is {pool.Kernel}x{pool.Kernel}.", nameof(pool));
            }
        }

        private static void Validate(in ConvGeometry g, int batch, int inputLength, int outputLength)
        {
            Guard.Batch(batch);
            if (g.Filters != g.Channels) throw new ArgumentException($"Pooling keeps the channel count: filters ({g.Filters}) must equal channels ({g.Channels}).");
            Guard.Length(inputLength, (long)batch * g.InputSize, "x");
            Guard.Length(outputLength, (long)batch * g.OutputSize, "y");
        }
    }
}
