using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Direct (unfold-free) convolution for stride 1 and no padding, where every window lies inside the image and a
    /// row of outputs is a run of contiguous inputs: the forward pass keeps four output rows in vector registers and
    /// adds one broadcast weight times a shifted input row per step; the filter gradient is, per weight, a dot
    /// product of an output-gradient plane with a shifted input window. It wins over im2col + GEMM when the patch
    /// is small (few channels), where the unfold costs as much as the product.
    /// </summary>
    internal static class ConvDirect
    {
        /// <summary>Whether the direct kernels take <paramref name="g"/> (the caller also needs AVX2 or wider).</summary>
        public static bool Applies(in ConvGeometry g) =>
            g.Stride == 1 && g.Pad == 0 && g.OutWidth >= 8 && g.Channels <= 4 && g.Kernel > 1 &&
            KernelDispatch.Level >= SimdLevel.Avx2 && Vector256.IsHardwareAccelerated;

        private static bool Wide => KernelDispatch.Level >= SimdLevel.Avx512 && Vector512.IsHardwareAccelerated;

        /// <summary>One image: <c>y[f] = b[f] + sum over c, ky, kx of W[f,c,ky,kx] x[c, . + ky, . + kx]</c>.</summary>
        public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width, k = g.Kernel, channels = g.Channels, plane = g.Height * g.Width;
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float wr = ref MemoryMarshal.GetReference(weights);
            ref float yr = ref MemoryMarshal.GetReference(y);
            bool wide = Wide;
            for (int f = 0; f < g.Filters; f++)
            {
                float b = bias.IsEmpty ? 0f : bias[f];
                ref float wf = ref Unsafe.Add(ref wr, f * g.PatchSize);
                ref float yf = ref Unsafe.Add(ref yr, f * oh * ow);
                int oy = 0;
                for (; oy + 4 <= oh; oy += 4)
                {
                    int j = 0;
                    if (wide)
                    {
                        for (; j + 16 <= ow; j += 16)
                        {
                            Vector512<float> a0 = Vector512.Create(b), a1 = a0, a2 = a0, a3 = a0;
                            for (int c = 0; c < channels; c++)
                            {
                                for (int ky = 0; ky < k; ky++)
                                {
                                    ref float x0 = ref Unsafe.Add(ref xr, c * plane + (oy + ky) * w + j);
                                    ref float wk = ref Unsafe.Add(ref wf, (c * k + ky) * k);
                                    for (int kx = 0; kx < k; kx++)
                                    {
                                        Vector512<float> wv = Vector512.Create(Unsafe.Add(ref wk, kx));
                                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)kx), wv, a0);
                                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(kx + w)), wv, a1);
                                        a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(kx + 2 * w)), wv, a2);
                                        a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(kx + 3 * w)), wv, a3);
                                    }
                                }
                            }

                            a0.StoreUnsafe(ref yf, (nuint)(oy * ow + j));
                            a1.StoreUnsafe(ref yf, (nuint)((oy + 1) * ow + j));
                            a2.StoreUnsafe(ref yf, (nuint)((oy + 2) * ow + j));
                            a3.StoreUnsafe(ref yf, (nuint)((oy + 3) * ow + j));
                        }
                    }

                    for (; j + 8 <= ow; j += 8)
                    {
                        Vector256<float> a0 = Vector256.Create(b), a1 = a0, a2 = a0, a3 = a0;
                        for (int c = 0; c < channels; c++)
                        {
                            for (int ky = 0; ky < k; ky++)
                            {
                                ref float x0 = ref Unsafe.Add(ref xr, c * plane + (oy + ky) * w + j);
                                ref float wk = ref Unsafe.Add(ref wf, (c * k + ky) * k);
                                for (int kx = 0; kx < k; kx++)
                                {
                                    Vector256<float> wv = Vector256.Create(Unsafe.Add(ref wk, kx));
                                    a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)kx), wv, a0);
                                    a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)(kx + w)), wv, a1);
                                    a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)(kx + 2 * w)), wv, a2);
                                    a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)(kx + 3 * w)), wv, a3);
                                }
                            }
                        }

                        a0.StoreUnsafe(ref yf, (nuint)(oy * ow + j));
                        a1.StoreUnsafe(ref yf, (nuint)((oy + 1) * ow + j));
                        a2.StoreUnsafe(ref yf, (nuint)((oy + 2) * ow + j));
                        a3.StoreUnsafe(ref yf, (nuint)((oy + 3) * ow + j));
                    }

                    for (int r = 0; r < 4; r++) ScalarRow(g, ref xr, ref wf, b, ref yf, oy + r, j);
                }

                for (; oy < oh; oy++) ScalarRow(g, ref xr, ref wf, b, ref yf, oy, 0);
            }
        }

        /// <summary>Outputs <c>[from, OutWidth)</c> of row <paramref name="oy"/> of one filter, one at a time.</summary>
        private static void ScalarRow(in ConvGeometry g, ref float xr, ref float wf, float b, ref float yf, int oy, int from)
        {
            int ow = g.OutWidth, w = g.Width, k = g.Kernel, plane = g.Height * g.Width;
            for (int ox = from; ox < ow; ox++)
            {
                float sum = b;
                for (int c = 0; c < g.Channels; c++)
                {
                    for (int ky = 0; ky < k; ky++)
                    {
                        ref float xrow = ref Unsafe.Add(ref xr, c * plane + (oy + ky) * w + ox);
                        ref float wk = ref Unsafe.Add(ref wf, (c * k + ky) * k);
                        for (int kx = 0; kx < k; kx++) sum += Unsafe.Add(ref wk, kx) * Unsafe.Add(ref xrow, kx);
                    }
                }

                Unsafe.Add(ref yf, oy * ow + ox) = sum;
            }
        }

        /// <summary>One image's contribution, <b>added</b> to the gradients: <c>dW[f,c,ky,kx] += sum dy[f] * x[c, . + ky, . + kx]</c>,
        /// <c>db[f] += sum dy[f]</c> (when <paramref name="biasGradient"/> is not empty).</summary>
        public static void AccumulateFilterGradient(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
            Span<float> weightGradient, Span<float> biasGradient)
        {
            int oh = g.OutHeight, ow = g.OutWidth, w = g.Width, k = g.Kernel, plane = g.Height * g.Width;
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float dyr = ref MemoryMarshal.GetReference(dy);
            bool wide = Wide;
            for (int f = 0; f < g.Filters; f++)
            {
                ref float dyf = ref Unsafe.Add(ref dyr, f * oh * ow);
                if (!biasGradient.IsEmpty) biasGradient[f] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice(f * oh * ow, oh * ow));
                for (int c = 0; c < g.Channels; c++)
                {
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++)
                        {
                            ref float x0 = ref Unsafe.Add(ref xr, c * plane + ky * w + kx);
                            float sum = wide ? WindowDot512(ref dyf, ref x0, oh, ow, w) : WindowDot256(ref dyf, ref x0, oh, ow, w);
                            weightGradient[((f * g.Channels + c) * k + ky) * k + kx] += sum;
                        }
                    }
                }
            }
        }

        private static float WindowDot512(ref float dy, ref float x, int oh, int ow, int w)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0;
            Vector256<float> b0 = Vector256<float>.Zero, b1 = b0;
            float s = 0;
            for (int oy = 0; oy < oh; oy++)
            {
                ref float d = ref Unsafe.Add(ref dy, oy * ow);
                ref float xs = ref Unsafe.Add(ref x, oy * w);
                int j = 0;
                for (; j + 32 <= ow; j += 32)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref d, (nuint)j), Vector512.LoadUnsafe(ref xs, (nuint)j), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref d, (nuint)(j + 16)), Vector512.LoadUnsafe(ref xs, (nuint)(j + 16)), a1);
                }

                if (j + 16 <= ow)
                {
                    if ((oy & 1) == 0) a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref d, (nuint)j), Vector512.LoadUnsafe(ref xs, (nuint)j), a0);
                    else a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref d, (nuint)j), Vector512.LoadUnsafe(ref xs, (nuint)j), a1);
                    j += 16;
                }

                if (j + 8 <= ow)
                {
                    if ((oy & 1) == 0) b0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref d, (nuint)j), Vector256.LoadUnsafe(ref xs, (nuint)j), b0);
                    else b1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref d, (nuint)j), Vector256.LoadUnsafe(ref xs, (nuint)j), b1);
                    j += 8;
                }

                for (; j < ow; j++) s += Unsafe.Add(ref d, j) * Unsafe.Add(ref xs, j);
            }

            return Vector512.Sum(a0 + a1) + Vector256.Sum(b0 + b1) + s;
        }

        private static float WindowDot256(ref float dy, ref float x, int oh, int ow, int w)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0;
            float s = 0;
            for (int oy = 0; oy < oh; oy++)
            {
                ref float d = ref Unsafe.Add(ref dy, oy * ow);
                ref float xs = ref Unsafe.Add(ref x, oy * w);
                int j = 0;
                for (; j + 16 <= ow; j += 16)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref d, (nuint)j), Vector256.LoadUnsafe(ref xs, (nuint)j), a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref d, (nuint)(j + 8)), Vector256.LoadUnsafe(ref xs, (nuint)(j + 8)), a1);
                }

                if (j + 8 <= ow)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref d, (nuint)j), Vector256.LoadUnsafe(ref xs, (nuint)j), a0);
                    j += 8;
                }

                for (; j < ow; j++) s += Unsafe.Add(ref d, j) * Unsafe.Add(ref xs, j);
            }

            return Vector256.Sum(a0 + a1) + s;
        }
    }
}
