using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The register-blocked direct convolution (forward) and the dot-product form of the filter gradient against the
/// scalar references: shapes whose filters, rows, columns and output planes do not divide the blocks, batch 1 and odd
/// batches, every SIMD level this processor supports.</summary>
[Collection("KernelDispatch")]
public sealed class ConvFastPathTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, kernel, batch
        yield return new object[] { 1, 28, 28, 30, 5, 1 };
        yield return new object[] { 1, 28, 28, 30, 5, 3 };
        yield return new object[] { 1, 21, 23, 7, 3, 2 };   // 19x21 output: plane 399, filters not a multiple of 5 or 6
        yield return new object[] { 2, 9, 20, 6, 5, 1 };    // 5x16 output, two channels, patch 50
        yield return new object[] { 3, 12, 19, 13, 3, 5 };  // patch 27 (5 blocks and 2 left over)
        yield return new object[] { 1, 20, 20, 11, 2, 1 };  // patch 4: fewer taps than a block
        yield return new object[] { 4, 8, 18, 9, 3, 2 };    // 6x16 output
        yield return new object[] { 1, 13, 28, 6, 5, 2 };   // 9x24: the last eight columns in row pairs, row blocks overlapping
        yield return new object[] { 1, 10, 26, 7, 3, 1 };   // 8x24: exactly one block of paired rows
        yield return new object[] { 1, 10, 30, 6, 5, 1 };   // 6x26: a ten-column tail, too few rows to pair (shifted block)
        yield return new object[] { 2, 18, 20, 10, 3, 2 };  // 10 filters: a group of six and one of four
        yield return new object[] { 1, 20, 34, 14, 3, 1 };  // 14 filters: six, four and four
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchReferenceAtEverySimdLevel(int c, int h, int w, int f, int k, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, 0);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2);
        float[] bias = Reference.Random(f, 3), dy = Reference.Random(batch * g.OutputSize, 4);
        double[] expectedY = Reference.ConvForward(g, batch, x, wt, bias);
        double[] expectedNoBias = Reference.ConvForward(g, batch, x, wt, null);
        var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dy);
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var workspace = new float[Conv2D.WorkspaceSize(g)];
                var y = new float[batch * g.OutputSize];
                y.AsSpan().Fill(float.NaN);
                Conv2D.Forward(g, batch, x, wt, bias, y, workspace);
                Reference.Close(y, expectedY, Tolerance, $"forward {g} batch {batch} {level}");
                Conv2D.Forward(g, batch, x, wt, ReadOnlySpan<float>.Empty, y, workspace);
                Reference.Close(y, expectedNoBias, Tolerance, $"forward without bias {g} {level}");

                float[] gw = Reference.Random(g.WeightSize, 9), gb = Reference.Random(f, 10);
                Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, workspace);
                Reference.Close(gw, dw, Tolerance, $"dW {g} batch {batch} {level}");
                Reference.Close(gb, db, Tolerance, $"db {g} batch {batch} {level}");
                gw = Reference.Random(g.WeightSize, 11);
                Conv2D.BackwardFilter(g, batch, x, dy, gw, Span<float>.Empty, workspace);
                Reference.Close(gw, dw, Tolerance, $"dW without bias {g} {level}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    public static IEnumerable<object[]> PaddedShapes()
    {
        // channels, height, width, filters, kernel, pad, batch
        yield return new object[] { 1, 28, 28, 6, 5, 2, 1 };    // LeNet-5's first layer
        yield return new object[] { 3, 32, 32, 16, 3, 1, 2 };   // SmallVgg
        yield return new object[] { 16, 16, 16, 32, 3, 1, 3 };
        yield return new object[] { 32, 16, 16, 32, 3, 1, 1 };  // patch 288
        yield return new object[] { 5, 15, 17, 7, 3, 1, 3 };    // 15x17 output, filters not a multiple of 6
        yield return new object[] { 2, 14, 13, 9, 5, 2, 2 };    // 14x13 output: narrower than a vector
        yield return new object[] { 3, 3, 16, 6, 3, 1, 1 };     // 3 output rows: fewer than a block
        yield return new object[] { 70, 16, 16, 8, 3, 1, 1 };   // patch 630: im2col + GEMM
        // Output rows narrower than a vector (the plane computed over the input's row pitch).
        yield return new object[] { 6, 14, 14, 16, 5, 0, 1 };   // LeNet-5's second layer
        yield return new object[] { 6, 14, 14, 16, 5, 0, 3 };
        yield return new object[] { 4, 10, 10, 7, 3, 0, 2 };   // 8x8 output, filters not a multiple of 6
        yield return new object[] { 3, 12, 12, 13, 3, 1, 2 };   // padded, 12x12 output
        yield return new object[] { 20, 9, 9, 6, 3, 0, 1 };    // 7x7 output: plane too small for a block
    }

    [Theory]
    [MemberData(nameof(PaddedShapes))]
    public void PaddedForwardMatchesReference(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), bias = Reference.Random(f, 3);
        double[] expectedY = Reference.ConvForward(g, batch, x, wt, bias);
        double[] expectedNoBias = Reference.ConvForward(g, batch, x, wt, null);
        AtEveryLevelAndDegree(() =>
        {
            SimdLevel level = KernelDispatch.Level;
            int degree = KernelDispatch.MaxDegreeOfParallelism;
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            var y = new float[batch * g.OutputSize];
            y.AsSpan().Fill(float.NaN);
            Conv2D.Forward(g, batch, x, wt, bias, y, workspace);
            Reference.Close(y, expectedY, Tolerance, $"forward {g} batch {batch} {level} degree {degree}");
            Conv2D.Forward(g, batch, x, wt, ReadOnlySpan<float>.Empty, y, workspace);
            Reference.Close(y, expectedNoBias, Tolerance, $"forward without bias {g} {level} degree {degree}");
        });
    }

    [Fact]
    public void PaddedForwardDoesNotAllocateAfterWarmUp()
    {
        var g = new ConvGeometry(3, 32, 32, 16, 3, 1, 1);
        const int batch = 3;
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), b = Reference.Random(16, 3);
        float[] y = new float[batch * g.OutputSize], ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.Forward(g, batch, x, wt, b, y, ws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.Forward(g, batch, x, wt, b, y, ws)));
    }

    [Fact]
    public void NoAllocationAfterWarmUp()
    {
        var g = new ConvGeometry(1, 28, 28, 30, 5, 1, 0);
        const int batch = 7;
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), b = Reference.Random(30, 3);
        float[] dy = Reference.Random(batch * g.OutputSize, 4), y = new float[batch * g.OutputSize];
        float[] gw = new float[g.WeightSize], gb = new float[30], ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.Forward(g, batch, x, wt, b, y, ws);
        Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, ws);
        Assert.Equal(0, AllocationProbe.Least(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                Conv2D.Forward(g, batch, x, wt, b, y, ws);
                Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, ws);
            }
        }));
    }

    public static IEnumerable<object[]> ReluShapes()
    {
        // channels, height, width, filters, kernel, stride, pad, batch: every forward algorithm
        yield return new object[] { 1, 28, 28, 30, 5, 1, 0, 3 };    // direct, wide rows
        yield return new object[] { 6, 14, 14, 16, 5, 1, 0, 2 };    // direct over the row pitch (narrow rows)
        yield return new object[] { 3, 32, 32, 16, 3, 1, 1, 5 };    // direct on a zero-bordered copy
        yield return new object[] { 70, 16, 16, 8, 3, 1, 1, 1 };    // im2col + GEMM
        yield return new object[] { 3, 9, 9, 4, 3, 2, 1, 3 };       // strided
        yield return new object[] { 8, 7, 7, 5, 1, 1, 0, 33 };      // pointwise, enough images to share among threads
        yield return new object[] { 1, 28, 28, 30, 5, 1, 0, 21 };   // shared among threads
    }

    [Theory]
    [MemberData(nameof(ReluShapes))]
    public void ForwardRelu_is_bit_identical_to_the_convolution_then_the_relu(int c, int h, int w, int f, int k, int stride, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, stride, pad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), bias = Reference.Random(f, 3);
        AtEveryLevelAndDegree(() =>
        {
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            float[] conv = new float[batch * g.OutputSize], expected = new float[conv.Length], fused = new float[conv.Length];
            fused.AsSpan().Fill(float.NaN);
            Conv2D.Forward(g, batch, x, wt, bias, conv, workspace);
            Activations.ReluForward(conv, expected);
            Conv2D.ForwardRelu(g, batch, x, wt, bias, fused, workspace);
            Assert.Equal(expected, fused);
            Assert.Contains(conv, v => v < 0);

            Conv2D.Forward(g, batch, x, wt, ReadOnlySpan<float>.Empty, conv, workspace);
            Activations.ReluForward(conv, expected);
            Conv2D.ForwardRelu(g, batch, x, wt, ReadOnlySpan<float>.Empty, fused, workspace);
            Assert.Equal(expected, fused);
        });
    }

    /// <summary>Runs <paramref name="check"/> at every SIMD level this processor supports, at one and two threads.</summary>
    public static IEnumerable<object[]> TransposedShapes()
    {
        yield return new object[] { 16, 32, 32, 16, 3, 1, 3 };   // SmallVgg's second layer
        yield return new object[] { 16, 16, 16, 32, 3, 1, 2 };   // more filters than channels
        yield return new object[] { 7, 20, 19, 9, 3, 0, 1 };     // no padding: the gradient's convolution is padded by 2
        yield return new object[] { 6, 17, 21, 5, 5, 2, 3 };     // 5x5, odd sizes
        yield return new object[] { 8, 18, 16, 6, 5, 4, 1 };     // padding K - 1: the gradient's convolution is unpadded
        yield return new object[] { 6, 14, 14, 16, 5, 0, 2 };    // LeNet-5's second layer: 14-wide rows, over the row pitch
        yield return new object[] { 8, 15, 15, 8, 3, 1, 3 };     // 15-wide rows, padded
    }

    [Theory]
    [MemberData(nameof(TransposedShapes))]
    public void Input_gradient_as_a_convolution_matches_the_reference(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), dy = Reference.Random(batch * g.OutputSize, 3);
        double[] expected = Reference.ConvBackward(g, batch, x, wt, dy).Dx;
        bool usedAtAvx512 = false;
        AtEveryLevelAndDegree(() =>
        {
            usedAtAvx512 |= Conv2D.BackwardDataIsConvolution(g, out _);
            var dx = new float[batch * g.InputSize];
            dx.AsSpan().Fill(float.NaN);
            Conv2D.BackwardData(g, batch, dy, wt, dx, new float[Conv2D.WorkspaceSize(g)]);
            Reference.Close(dx, expected, Tolerance, $"input gradient {g} batch {batch} {KernelDispatch.Level} degree {KernelDispatch.MaxDegreeOfParallelism}");
        });
        // (On a machine without AVX-512 every level takes the product and col2im.)
        if (KernelDispatch.Supported == SimdLevel.Avx512) Assert.True(usedAtAvx512, $"{g}: expected the convolution form");
    }

    [Fact]
    public void Input_gradient_as_a_convolution_allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(16, 32, 32, 16, 3, 1, 1);
        const int batch = 3;
        float[] dy = Reference.Random(batch * g.OutputSize, 1), wt = Reference.Random(g.WeightSize, 2), dx = new float[batch * g.InputSize];
        float[] ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.BackwardData(g, batch, dy, wt, dx, ws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.BackwardData(g, batch, dy, wt, dx, ws)));
    }

    public static IEnumerable<object[]> FilterProductShapes()
    {
        // (Stride-1 planes of 512 positions or more take the dot products over the row pitch: see FilterGradientOverPitchTests;
        // SmallVgg's 16-wide 3x3 layers take Winograd's form: see ConvWinogradTests.)
        yield return new object[] { 16, 14, 14, 32, 3, 1, 3 };   // 14 x 14, 16 channels: 224 positions a plane
        yield return new object[] { 6, 14, 14, 20, 5, 0, 2 };    // LeNet-5's second layer with 20 filters (16 take the filters in lanes)
        yield return new object[] { 64, 24, 24, 64, 3, 1, 2 };   // 64 x 576 pairs: too many partial sums for the dot products
        yield return new object[] { 5, 9, 11, 9, 3, 1, 3 };      // odd sizes; a short patch (45): another kernel keeps it
        yield return new object[] { 64, 8, 8, 33, 3, 1, 1 };     // 33 filters: three vectors, the last masked
        yield return new object[] { 12, 20, 20, 24, 1, 0, 2 };   // 1x1: the image is its own column matrix
    }

    [Theory]
    [MemberData(nameof(FilterProductShapes))]
    public void Filter_gradient_by_the_transposed_product_matches_the_reference(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), dy = Reference.Random(batch * g.OutputSize, 3);
        var (expectedW, expectedB, _) = Reference.ConvBackward(g, batch, x, wt, dy);
        bool usedAtAvx512 = false;
        AtEveryLevelAndDegree(() =>
        {
            usedAtAvx512 |= Conv2D.FilterGradientByProduct(g);
            float[] dw = new float[g.WeightSize], db = new float[f];
            dw.AsSpan().Fill(float.NaN);
            db.AsSpan().Fill(float.NaN);
            Conv2D.BackwardFilter(g, batch, x, dy, dw, db, new float[Conv2D.WorkspaceSize(g)]);
            string what = $"{g} batch {batch} {KernelDispatch.Level} degree {KernelDispatch.MaxDegreeOfParallelism}";
            Reference.Close(dw, expectedW, Tolerance, "weight gradient " + what);
            Reference.Close(db, expectedB, Tolerance, "bias gradient " + what);
        });
        if (KernelDispatch.Supported == SimdLevel.Avx512 && g.PatchSize >= 64) Assert.True(usedAtAvx512, $"{g}: expected the transposed product");
    }

    [Fact]
    public void Backward_convolutions_leave_nothing_for_the_helpers_to_allocate()
    {
        // The input gradient as a convolution and the filter gradient by the transposed product, shared among threads: every
        // range's scratch is sized by the calling thread.
        var g = new ConvGeometry(16, 16, 16, 32, 3, 1, 1);
        const int batch = 8;
        float[] x = Reference.Random(batch * g.InputSize, 1), dy = Reference.Random(batch * g.OutputSize, 2), wt = Reference.Random(g.WeightSize, 3);
        float[] dw = new float[g.WeightSize], db = new float[32], dx = new float[batch * g.InputSize], ws = new float[Conv2D.WorkspaceSize(g)];
        HelperAllocations.AssertNoneAfterWarmUp(10, expectHelpers: true,
            () => Conv2D.BackwardFilter(g, batch, x, dy, dw, db, ws),
            () => Conv2D.BackwardData(g, batch, dy, wt, dx, ws));
    }

    [Fact]
    public void Filter_gradient_by_the_transposed_product_allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(16, 14, 14, 32, 3, 1, 1);
        const int batch = 3;
        float[] x = Reference.Random(batch * g.InputSize, 1), dy = Reference.Random(batch * g.OutputSize, 2);
        float[] dw = new float[g.WeightSize], db = new float[32], ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.BackwardFilter(g, batch, x, dy, dw, db, ws);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(Conv2D.FilterGradientByProduct(g));
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.BackwardFilter(g, batch, x, dy, dw, db, ws)));
    }

    private static void AtEveryLevelAndDegree(Action check)
    {
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                foreach (int degree in new[] { 1, 2 })
                {
                    KernelDispatch.Level = level;
                    KernelDispatch.MaxDegreeOfParallelism = degree;
                    check();
                }
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void ForwardRelu_checks_its_arguments_like_Forward()
    {
        var g = new ConvGeometry(1, 6, 6, 2, 3, 1, 0);
        float[] ws = new float[Conv2D.WorkspaceSize(g)];
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.ForwardRelu(g, 2, new float[71], new float[g.WeightSize], default, new float[2 * g.OutputSize], ws));
        Assert.Contains("72", ex.Message);
        Assert.Throws<ArgumentException>(() => Conv2D.ForwardRelu(g, 0, new float[0], new float[g.WeightSize], default, new float[0], ws));
        Assert.Throws<ArgumentException>(() => Conv2D.ForwardRelu(g, 1, new float[36], new float[g.WeightSize], default, new float[g.OutputSize - 1], ws));
    }

    [Fact]
    public void ForwardRelu_allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(3, 32, 32, 16, 3, 1, 1);
        const int batch = 4;
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), b = Reference.Random(16, 3);
        float[] y = new float[batch * g.OutputSize], ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.ForwardRelu(g, batch, x, wt, b, y, ws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.ForwardRelu(g, batch, x, wt, b, y, ws)));
    }

    public static IEnumerable<object[]> PooledShapes()
    {
        // convolution (channels, height, width, filters, kernel, pad), pool (size, stride, pad), batch
        yield return new object[] { 1, 28, 28, 30, 5, 0, 2, 2, 0, 3 };     // SimpleConvNet: direct kernel, 2x2 pool
        yield return new object[] { 1, 28, 28, 30, 5, 0, 2, 2, 0, 21 };    // shared among threads
        yield return new object[] { 2, 34, 34, 16, 3, 0, 2, 2, 0, 2 };     // pooled in registers: groups of six, six and four filters
        yield return new object[] { 3, 20, 20, 16, 3, 0, 2, 2, 0, 3 };     // rows of 18: the paired tail, the last group of six shifted back
        yield return new object[] { 3, 16, 16, 8, 3, 1, 2, 2, 0, 5 };      // zero-bordered copy
        yield return new object[] { 2, 5, 5, 3, 3, 2, 3, 2, 1, 4 };        // im2col, 3x3 pool with stride 2 and padding
        yield return new object[] { 70, 8, 8, 5, 3, 1, 2, 2, 0, 2 };       // im2col + GEMM
        yield return new object[] { 4, 16, 16, 14, 3, 1, 2, 2, 0, 3 };     // 14 filters: groups of six, four and four, pooled in registers
        yield return new object[] { 16, 16, 16, 16, 3, 1, 2, 2, 0, 3 };    // filter gradient by the transposed product (patch 144)
        yield return new object[] { 3, 32, 32, 16, 3, 1, 2, 2, 0, 3 };     // filter gradient by dot products over the row pitch
        yield return new object[] { 16, 32, 32, 16, 3, 1, 2, 2, 0, 9 };    // the same, shared among threads
        yield return new object[] { 1, 13, 15, 7, 3, 0, 3, 2, 1, 3 };      // from the arg-max: 3x3 taps, an overlapping padded 3x3 pool
        yield return new object[] { 1, 20, 17, 5, 8, 0, 2, 2, 0, 2 };      // from the arg-max: an 8 x 8 window, odd plane
        yield return new object[] { 1, 9, 9, 3, 2, 0, 2, 1, 0, 4 };        // from the arg-max: 2 x 2 taps, a stride-1 pool
    }

    [Theory]
    [MemberData(nameof(PooledShapes))]
    public void Training_ForwardReluMaxPool_is_bit_identical_to_the_layers_one_by_one(int c, int h, int w, int f, int k, int pad,
        int size, int stride, int poolPad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        var pool = new ConvGeometry(f, g.OutHeight, g.OutWidth, f, size, stride, poolPad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), bias = Reference.Random(f, 3);
        AtEveryLevelAndDegree(() =>
        {
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            float[] conv = new float[batch * g.OutputSize], expected = new float[batch * pool.OutputSize], fused = new float[expected.Length];
            byte[] expectedArg = new byte[expected.Length], fusedArg = new byte[expected.Length];
            fused.AsSpan().Fill(float.NaN);
            fusedArg.AsSpan().Fill(7);
            Conv2D.Forward(g, batch, x, wt, bias, conv, workspace);
            Pooling.MaxReluForward(pool, batch, conv, expected, expectedArg);
            Conv2D.ForwardReluMaxPool(g, pool, batch, x, wt, bias, fused, fusedArg, workspace);
            Assert.Equal(expected, fused);
            Assert.Equal(expectedArg, fusedArg);
        });
    }

    [Fact]
    public void Training_ForwardReluMaxPool_checks_the_winners_length()
    {
        var g = new ConvGeometry(1, 6, 6, 2, 3, 1, 0);
        var pool = new ConvGeometry(2, 4, 4, 2, 2, 2, 0);
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.ForwardReluMaxPool(g, pool, 1, new float[36], new float[g.WeightSize], default,
            new float[pool.OutputSize], new byte[pool.OutputSize - 1], new float[Conv2D.WorkspaceSize(g)]));
        Assert.Contains(pool.OutputSize.ToString(), ex.Message);
    }

    [Theory]
    [MemberData(nameof(PooledShapes))]
    public void BackwardFilterThroughMaxPool_matches_the_pool_backward_then_the_filter_gradient(int c, int h, int w, int f,
        int k, int pad, int size, int stride, int poolPad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        var pool = new ConvGeometry(f, g.OutHeight, g.OutWidth, f, size, stride, poolPad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), bias = Reference.Random(f, 3);
        float[] dPool = Reference.Random(batch * pool.OutputSize, 4);
        AtEveryLevelAndDegree(() =>
        {
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            float[] pooled = new float[batch * pool.OutputSize], dConv = new float[batch * g.OutputSize];
            byte[] arg = new byte[pooled.Length];
            Conv2D.ForwardReluMaxPool(g, pool, batch, x, wt, bias, pooled, arg, workspace);
            float[] expectedW = new float[g.WeightSize], expectedB = new float[f], fusedW = new float[g.WeightSize], fusedB = new float[f];
            Pooling.MaxBackward(pool, batch, dPool, arg, dConv);
            Conv2D.BackwardFilter(g, batch, x, dConv, expectedW, expectedB, workspace);
            fusedW.AsSpan().Fill(float.NaN);
            fusedB.AsSpan().Fill(float.NaN);
            Conv2D.BackwardFilterThroughMaxPool(g, pool, batch, x, dPool, arg, fusedW, fusedB, workspace);
            Assert.Contains(expectedW, v => v != 0);
            if (FilterGradientFromArgMax.Applies(g))
            {
                // Window by window from the arg-max: the same sums in another order, against the float64 reference.
                var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dConv);
                string what = $"{g} batch {batch} {KernelDispatch.Level} degree {KernelDispatch.MaxDegreeOfParallelism}";
                Reference.Close(fusedW, dw, 1e-4, "weight gradient from the arg-max " + what);
                Reference.Close(fusedB, db, 1e-4, "bias gradient from the arg-max " + what);
                Reference.Close(expectedW, dw, 1e-4, "weight gradient " + what);
                return;
            }

            Assert.Equal(expectedW, fusedW);
            Assert.Equal(expectedB, fusedB);
        });
    }

    public static IEnumerable<object[]> AvgPooledShapes()
    {
        // convolution (channels, height, width, filters, kernel, pad), pool (size, stride, pad), batch, activation
        yield return new object[] { 1, 28, 28, 6, 5, 2, 2, 2, 0, 3, Activation.Tanh };     // LeNet-5's first layer
        yield return new object[] { 1, 28, 28, 6, 5, 2, 2, 2, 0, 21, Activation.Sigmoid }; // shared among threads
        yield return new object[] { 3, 16, 16, 8, 3, 1, 2, 2, 0, 5, Activation.Relu };
        yield return new object[] { 2, 11, 11, 5, 3, 1, 3, 2, 1, 4, Activation.Tanh };     // 11 x 11 output, a 3x3 pool with stride 2 and padding
        yield return new object[] { 1, 28, 28, 30, 5, 0, 2, 2, 0, 2, Activation.Relu };    // direct dot products
    }

    [Theory]
    [MemberData(nameof(AvgPooledShapes))]
    public void BackwardFilterThroughAvgPool_is_bit_identical_to_the_pool_and_activation_backward_then_the_filter_gradient(int c, int h,
        int w, int f, int k, int pad, int size, int stride, int poolPad, int batch, Activation activation)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        var pool = new ConvGeometry(f, g.OutHeight, g.OutWidth, f, size, stride, poolPad);
        float[] x = Reference.Random(batch * g.InputSize, 1), dPool = Reference.Random(batch * pool.OutputSize, 4);
        // An activation's output: in (0, 1) for the sigmoid, (-1, 1) for tanh, some of it zero for ReLU.
        float[] output = Reference.Random(batch * g.OutputSize, 5, activation == Activation.Sigmoid ? 0.01f : -1f, 0.99f);
        if (activation == Activation.Relu) for (int i = 0; i < output.Length; i++) output[i] = Math.Max(output[i], 0f);
        AtEveryLevelAndDegree(() =>
        {
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            float[] dActivation = new float[batch * g.OutputSize], dConv = new float[batch * g.OutputSize];
            float[] expectedW = new float[g.WeightSize], expectedB = new float[f], fusedW = new float[g.WeightSize], fusedB = new float[f];
            Pooling.AvgBackward(pool, batch, dPool, dActivation);
            switch (activation)
            {
                case Activation.Relu: Activations.ReluBackward(output, dActivation, dConv); break;
                case Activation.Sigmoid: Activations.SigmoidBackward(output, dActivation, dConv); break;
                default: Activations.TanhBackward(output, dActivation, dConv); break;
            }

            Conv2D.BackwardFilter(g, batch, x, dConv, expectedW, expectedB, workspace);
            fusedW.AsSpan().Fill(float.NaN);
            fusedB.AsSpan().Fill(float.NaN);
            Conv2D.BackwardFilterThroughAvgPool(g, pool, activation, batch, x, dPool, output, fusedW, fusedB, workspace);
            Assert.Equal(expectedW, fusedW);
            Assert.Equal(expectedB, fusedB);
            Assert.Contains(expectedW, v => v != 0);
            Conv2D.BackwardFilterThroughAvgPool(g, pool, activation, batch, x, dPool, output, fusedW, default, workspace);
            Assert.Equal(expectedW, fusedW);
        });
    }

    [Fact]
    public void BackwardFilterThroughAvgPool_checks_its_arguments_and_allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(1, 28, 28, 6, 5, 1, 2);
        var pool = new ConvGeometry(6, 28, 28, 6, 2, 2, 0);
        const int batch = 5;
        float[] x = Reference.Random(batch * g.InputSize, 1), dPool = Reference.Random(batch * pool.OutputSize, 2);
        float[] output = Reference.Random(batch * g.OutputSize, 3), ws = new float[Conv2D.WorkspaceSize(g)];
        float[] gw = new float[g.WeightSize], gb = new float[6];
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.BackwardFilterThroughAvgPool(g, pool, Activation.Tanh, batch, x, dPool,
            output.AsSpan(1), gw, gb, ws));
        Assert.Contains((batch * g.OutputSize).ToString(), ex.Message);
        var wrongPool = new ConvGeometry(5, 28, 28, 5, 2, 2, 0);
        Assert.Throws<ArgumentException>(() => Conv2D.BackwardFilterThroughAvgPool(g, wrongPool, Activation.Tanh, batch, x,
            new float[batch * wrongPool.OutputSize], output, gw, gb, ws));
        Conv2D.BackwardFilterThroughAvgPool(g, pool, Activation.Tanh, batch, x, dPool, output, gw, gb, ws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.BackwardFilterThroughAvgPool(g, pool, Activation.Tanh, batch, x, dPool, output, gw, gb, ws)));
    }

    [Fact]
    public void BackwardFilterThroughMaxPool_checks_its_arguments()
    {
        var g = new ConvGeometry(1, 6, 6, 2, 3, 1, 0);
        var pool = new ConvGeometry(2, 4, 4, 2, 2, 2, 0);
        float[] ws = new float[Conv2D.WorkspaceSize(g)];
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.BackwardFilterThroughMaxPool(g, pool, 1, new float[36], new float[pool.OutputSize],
            new byte[pool.OutputSize - 1], new float[g.WeightSize], default, ws));
        Assert.Contains(pool.OutputSize.ToString(), ex.Message);
        var wrongPool = new ConvGeometry(3, 4, 4, 3, 2, 2, 0);
        Assert.Throws<ArgumentException>(() => Conv2D.BackwardFilterThroughMaxPool(g, wrongPool, 1, new float[36], new float[wrongPool.OutputSize],
            new byte[wrongPool.OutputSize], new float[g.WeightSize], default, ws));
    }

    [Fact]
    public void BackwardFilterThroughMaxPool_allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(1, 28, 28, 30, 5, 1, 0);
        var pool = new ConvGeometry(30, 24, 24, 30, 2, 2, 0);
        const int batch = 5;
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), b = Reference.Random(30, 3);
        float[] dPool = Reference.Random(batch * pool.OutputSize, 4), pooled = new float[dPool.Length], ws = new float[Conv2D.WorkspaceSize(g)];
        float[] gw = new float[g.WeightSize], gb = new float[30];
        byte[] arg = new byte[dPool.Length];
        Conv2D.ForwardReluMaxPool(g, pool, batch, x, wt, b, pooled, arg, ws);
        Conv2D.BackwardFilterThroughMaxPool(g, pool, batch, x, dPool, arg, gw, gb, ws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.BackwardFilterThroughMaxPool(g, pool, batch, x, dPool, arg, gw, gb, ws)));
    }
}
