using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Winograd's F(2x2, 3x3) against the scalar reference: rows of 15, 16, 31, 32 and 64 columns (eight-tile rows in
/// pairs and sixteen-tile chunks), odd output heights and widths (tiles cut at the edge), padding 0 to 2, a last block of
/// fewer than four tile vectors, 8 to 64 filters, ReLU, no bias, batch 1 and odd batches, one and two threads; the fused
/// ReLU and 2x2 max pool against the separate pool (bit for bit, with and without arg-max); the input gradient it computes
/// as a convolution; the routing; and no allocation after warm-up.</summary>
[Collection("KernelDispatch")]
public sealed class ConvWinogradTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, pad, batch
        yield return new object[] { 16, 32, 32, 16, 1, 2 };    // SmallVgg's second layer: 32 x 32, one chunk of sixteen tiles per row
        yield return new object[] { 16, 16, 16, 32, 1, 3 };    // SmallVgg's third: 16 x 16, two tile rows of eight per vector
        yield return new object[] { 32, 16, 16, 32, 1, 1 };    // SmallVgg's fourth
        yield return new object[] { 12, 17, 17, 8, 0, 2 };     // 15 x 15: the last tile row and column cut
        yield return new object[] { 24, 9, 16, 16, 1, 1 };     // 9 x 16: five tile rows, the last vector's second row past the end
        yield return new object[] { 13, 20, 31, 24, 1, 2 };    // 20 x 31: an odd width in sixteen-tile chunks
        yield return new object[] { 12, 6, 64, 8, 1, 1 };      // 6 x 64: two chunks per tile row
        yield return new object[] { 16, 8, 14, 16, 2, 3 };     // padding 2: 10 x 16
        yield return new object[] { 64, 16, 16, 64, 1, 1 };    // 64 channels and filters
        yield return new object[] { 20, 40, 32, 8, 1, 1 };     // 40 x 32: 20 tile rows, five blocks of four vectors
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_the_reference(int c, int h, int w, int f, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, 3, 1, pad);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvWinograd.Applies(g), $"{g} should take the Winograd kernel");
        ConvKernelChecks.ForwardMatchesReference(g, batch, 51, Tolerance);
    }

    [Theory]
    [InlineData(16, 32, 32, 16, 2)]   // SmallVgg's second layer
    [InlineData(32, 16, 16, 32, 3)]   // its fourth
    [InlineData(12, 8, 64, 8, 1)]     // wide rows: two chunks per tile row
    [InlineData(24, 10, 16, 16, 1)]   // five tile rows of eight: the last vector half empty
    public void Fused_relu_and_max_pool_equal_the_separate_pool(int c, int h, int w, int f, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, 3, 1, 1);
        var pool = new ConvGeometry(f, g.OutHeight, g.OutWidth, f, 2, 2, 0);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvWinograd.PoolsInRegisters(g, pool));
        float[] x = Reference.Random(batch * g.InputSize, 61), weights = Reference.Random(g.WeightSize, 62), bias = Reference.Random(f, 63);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var workspace = new float[Conv2D.WorkspaceSize(g)];
                var convOutput = new float[batch * g.OutputSize];
                Conv2D.Forward(g, batch, x, weights, bias, convOutput, workspace);
                var expected = new float[batch * pool.OutputSize];
                var expectedArgMax = new byte[batch * pool.OutputSize];
                Pooling.MaxReluForward(pool, batch, convOutput, expected, expectedArgMax);

                int length = batch * pool.OutputSize;
                float[] y = Reference.Guarded(length);
                Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, y.AsSpan(0, length), workspace);
                Assert.Equal(expected, y.AsSpan(0, length).ToArray());
                Reference.AssertGuardIntact(y, length);

                // Another layer's weights through the same thread's scratch first: the training path must transform its own.
                Conv2D.Forward(g, batch, x, Reference.Random(g.WeightSize, 64), bias, new float[batch * g.OutputSize], workspace);
                y = Reference.Guarded(length);
                var argMax = new byte[length];
                Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, y.AsSpan(0, length), argMax, workspace);
                Assert.Equal(expected, y.AsSpan(0, length).ToArray());
                Assert.Equal(expectedArgMax, argMax);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(16, 16, 16, 32, 1, 2)]   // SmallVgg's third layer: the transposed layer has 32 channels and 16 filters
    [InlineData(24, 12, 32, 16, 1, 1)]
    public void Input_gradient_as_a_convolution_matches_the_reference(int c, int h, int w, int f, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, 3, 1, pad);
        Assert.True(Conv2D.BackwardDataIsConvolution(g, out ConvGeometry transposed));
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvWinograd.Applies(transposed), $"{transposed} should take the Winograd kernel");
        ConvKernelChecks.InputGradientMatchesReference(g, batch, 71, Tolerance);
    }

    [Theory]
    [InlineData(16, 32, 32, 16, 1, 3)]   // SmallVgg's second layer: sixteen-tile rows, one image a group
    [InlineData(12, 6, 64, 8, 1, 2)]     // two chunks per tile row: six vectors an image, groups of two
    [InlineData(16, 16, 16, 32, 1, 5)]   // SmallVgg's third layer: pairs of eight-tile rows, a last group of one image
    [InlineData(32, 16, 16, 32, 1, 2)]   // its fourth
    [InlineData(12, 8, 16, 8, 1, 4)]     // 8 x 16, exactly one group
    [InlineData(20, 12, 16, 16, 1, 1)]   // 12 x 16, 20 channels, batch 1
    [InlineData(16, 40, 16, 16, 1, 9)]   // 40 x 16: ten vectors an image, chunks of 16, 16 and 8 per group of four
    [InlineData(64, 8, 16, 16, 1, 3)]    // channels in the lanes: four channel vectors, a last group of one image
    [InlineData(32, 12, 16, 32, 1, 1)]   // channels in the lanes: six tile rows of eight, batch 1
    [InlineData(32, 8, 32, 40, 1, 5)]    // channels in the lanes: sixteen-tile rows, five blocks of eight filters
    public void Filter_gradient_matches_the_reference(int c, int h, int w, int f, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, 3, 1, pad);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvWinograd.AppliesFilterGradient(g), $"{g} should take the Winograd filter gradient");
        float[] x = Reference.Random(batch * g.InputSize, 91), weights = Reference.Random(g.WeightSize, 92), dy = Reference.Random(batch * g.OutputSize, 93);
        var (dw, db, _) = Reference.ConvBackward(g, batch, x, weights, dy);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var workspace = new float[Conv2D.WorkspaceSize(g)];
                float[] gw = Reference.Guarded(g.WeightSize), gb = Reference.Guarded(f);
                gw.AsSpan(0, g.WeightSize).Fill(float.NaN);
                gb.AsSpan(0, f).Fill(float.NaN);
                Conv2D.BackwardFilter(g, batch, x, dy, gw.AsSpan(0, g.WeightSize), gb.AsSpan(0, f), workspace);
                Reference.Close(gw.AsSpan(0, g.WeightSize), dw, Tolerance, $"dW {g} batch {batch} degree {degree}");
                Reference.Close(gb.AsSpan(0, f), db, Tolerance, $"db {g} batch {batch} degree {degree}");
                Reference.AssertGuardIntact(gw, g.WeightSize);
                Reference.AssertGuardIntact(gb, f);
                gw = new float[g.WeightSize];
                Conv2D.BackwardFilter(g, batch, x, dy, gw, Span<float>.Empty, workspace);
                Reference.Close(gw, dw, Tolerance, $"dW without bias {g} degree {degree}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Filter_gradient_keeps_channels_in_lanes_where_the_lane_sums_outgrow_half_a_megabyte()
    {
        Assert.True(ConvWinograd.ChannelsInLanes(new ConvGeometry(32, 16, 16, 32, 3, 1, 1)));   // 1 MB per lane: SmallVgg's fourth layer
        Assert.True(ConvWinograd.ChannelsInLanes(new ConvGeometry(64, 8, 16, 16, 3, 1, 1)));    // 1 MB
        Assert.False(ConvWinograd.ChannelsInLanes(new ConvGeometry(16, 16, 16, 32, 3, 1, 1)));  // 512 KB: its third
        Assert.False(ConvWinograd.ChannelsInLanes(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));  // 256 KB: its second
        Assert.False(ConvWinograd.ChannelsInLanes(new ConvGeometry(48, 16, 16, 64, 3, 1, 1)));  // an odd number of channel vectors
    }

    [Fact]
    public void Filter_gradient_through_a_max_pool_equals_the_separate_pool_backward()
    {
        // A first layer of 16 channels followed by ReLU and a 2x2 max pool: its output gradient is made image by image.
        var g = new ConvGeometry(16, 16, 16, 16, 3, 1, 1);
        var pool = new ConvGeometry(16, 16, 16, 16, 2, 2, 0);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvWinograd.AppliesFilterGradient(g));
        const int batch = 3;
        float[] x = Reference.Random(batch * g.InputSize, 94), weights = Reference.Random(g.WeightSize, 95), bias = Reference.Random(16, 96);
        float[] poolGradient = Reference.Random(batch * pool.OutputSize, 97);
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        var pooled = new float[batch * pool.OutputSize];
        var argMax = new byte[batch * pool.OutputSize];
        Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, argMax, workspace);
        var dy = new float[batch * g.OutputSize];
        Pooling.MaxBackward(pool, batch, poolGradient, argMax, dy);
        float[] expectedW = new float[g.WeightSize], expectedB = new float[16];
        Conv2D.BackwardFilter(g, batch, x, dy, expectedW, expectedB, workspace);
        float[] gw = new float[g.WeightSize], gb = new float[16];
        Conv2D.BackwardFilterThroughMaxPool(g, pool, batch, x, poolGradient, argMax, gw, gb, workspace);
        Assert.Equal(expectedW, gw);
        Assert.Equal(expectedB, gb);
        var (dw, _, _) = Reference.ConvBackward(g, batch, x, weights, dy);
        Reference.Close(gw, dw, Tolerance, "dW through the pool");
    }

    [Fact]
    public void Routing_takes_3x3_layers_of_at_least_12_channels()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.Equal(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));
        Assert.Equal(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(64, 16, 16, 64, 3, 1, 1)));
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(3, 32, 32, 16, 3, 1, 1)));    // 3 channels
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(8, 32, 32, 16, 3, 1, 1)));    // 8 channels
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 18, 18, 16, 3, 1, 0)));   // unpadded direct
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 32, 32, 12, 3, 1, 1)));   // 12 filters
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 12, 12, 16, 3, 1, 1)));   // rows of 12
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 32, 32, 16, 5, 1, 2)));   // 5 x 5
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 64, 64, 16, 3, 2, 1)));   // stride 2
        Assert.Equal(ConvAlgorithm.Winograd, ConvAlgorithm.FilterGradient(new ConvGeometry(16, 16, 16, 32, 3, 1, 1)));
        Assert.Equal(ConvAlgorithm.Winograd, ConvAlgorithm.FilterGradient(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));     // 32 wide
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.FilterGradient(new ConvGeometry(12, 17, 17, 8, 3, 1, 0)));  // 15 x 15: odd
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.FilterGradient(new ConvGeometry(14, 32, 32, 16, 3, 1, 1)));  // 14 channels
        Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.FilterGradient(new ConvGeometry(16, 10, 16, 16, 3, 1, 1))); // five tile rows of eight
        try
        {
            KernelDispatch.Level = SimdLevel.Avx2;
            Assert.NotEqual(ConvAlgorithm.Winograd, ConvAlgorithm.Forward(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Forward_fused_pool_and_filter_gradient_allocate_nothing_after_warm_up()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        var g = new ConvGeometry(16, 32, 32, 16, 3, 1, 1);
        var pool = new ConvGeometry(16, 32, 32, 16, 2, 2, 0);
        const int batch = 8;
        float[] x = Reference.Random(batch * g.InputSize, 81), weights = Reference.Random(g.WeightSize, 82), bias = Reference.Random(16, 83);
        var y = new float[batch * g.OutputSize];
        var pooled = new float[batch * pool.OutputSize];
        var argMax = new byte[batch * pool.OutputSize];
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.Forward(g, batch, x, weights, bias, y, workspace);
        Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, workspace);
        Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, argMax, workspace);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.Forward(g, batch, x, weights, bias, y, workspace)));
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, workspace)));
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, argMax, workspace)));
        HelperAllocations.AssertNoneAfterWarmUp(10, expectHelpers: true,
            () => Conv2D.Forward(g, batch, x, weights, bias, y, workspace),
            () => Conv2D.ForwardReluMaxPool(g, pool, batch, x, weights, bias, pooled, argMax, workspace));

        // The filter gradient, on a 16-wide layer.
        var h = new ConvGeometry(16, 16, 16, 32, 3, 1, 1);
        Assert.True(ConvWinograd.AppliesFilterGradient(h));
        float[] hx = Reference.Random(batch * h.InputSize, 84), hdy = Reference.Random(batch * h.OutputSize, 85);
        float[] dw = new float[h.WeightSize], db = new float[32], hws = new float[Conv2D.WorkspaceSize(h)];
        Conv2D.BackwardFilter(h, batch, hx, hdy, dw, db, hws);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.BackwardFilter(h, batch, hx, hdy, dw, db, hws)));
        HelperAllocations.AssertNoneAfterWarmUp(10, expectHelpers: true, () => Conv2D.BackwardFilter(h, batch, hx, hdy, dw, db, hws));
    }
}
