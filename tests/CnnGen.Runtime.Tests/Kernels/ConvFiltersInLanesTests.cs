using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The direct convolution with the filters in the vector lanes against the scalar reference: every block width
/// (4 to 12 columns, and 13 to 15 as two chunks, the last one shifted back), an odd number of rows (the last row pair
/// shifted back) and a single row, one to four groups of sixteen filters, padding through the zero-bordered copy, ReLU,
/// no bias, batch 1 and odd batches, one and two threads; and the input gradient it computes as a convolution.</summary>
[Collection("KernelDispatch")]
public sealed class ConvFiltersInLanesTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, kernel, pad, batch
        yield return new object[] { 6, 14, 14, 16, 5, 0, 3 };    // LeNet-5's second layer: 10 x 10, two rows of ten columns
        yield return new object[] { 6, 14, 14, 16, 5, 0, 1 };
        yield return new object[] { 1, 9, 8, 16, 5, 0, 2 };      // 5 x 4: the narrowest rows, an odd row count
        yield return new object[] { 3, 7, 9, 32, 3, 0, 1 };      // 5 x 7: two filter groups
        yield return new object[] { 2, 3, 13, 16, 3, 0, 2 };     // 1 x 11: a single row
        yield return new object[] { 16, 8, 8, 32, 3, 1, 3 };     // padded 8 x 8
        yield return new object[] { 4, 9, 13, 48, 5, 2, 2 };     // 9 x 13: chunks of seven columns, the second shifted back
        yield return new object[] { 4, 5, 15, 16, 5, 2, 1 };     // 5 x 15: chunks of eight
        yield return new object[] { 11, 11, 14, 64, 3, 0, 1 };   // 9 x 12: four filter groups, twelve columns
        yield return new object[] { 6, 12, 12, 16, 4, 0, 5 };    // 9 x 9, an even window, odd batch
        yield return new object[] { 2, 16, 10, 16, 7, 3, 1 };    // 16 x 10, a 7 x 7 window padded by 3
        yield return new object[] { 8, 9, 9, 16, 5, 0, 2 };      // 5 x 5
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_the_reference(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(ConvFiltersInLanes.Applies(g), $"{g} should take the filters-in-lanes kernel");
        ConvKernelChecks.ForwardMatchesReference(g, batch, 21, Tolerance);
    }

    [Theory]
    [InlineData(32, 9, 9, 16, 3, 1, 2)]    // the transposed layer: 16 channels to 32 filters on 9 x 9, padded by 1
    [InlineData(16, 7, 7, 8, 3, 0, 1)]     // 16 filters on a 7 x 7 input, padded by 2
    public void Input_gradient_as_a_convolution_matches_the_reference(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        Assert.True(Conv2D.BackwardDataIsConvolution(g, out ConvGeometry transposed));
        Assert.True(ConvFiltersInLanes.Applies(transposed), $"{transposed} should take the filters-in-lanes kernel");
        ConvKernelChecks.InputGradientMatchesReference(g, batch, 31, Tolerance);
    }

    [Fact]
    public void Routing_takes_small_planes_of_sixteen_filters()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.Equal(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(6, 14, 14, 16, 5, 1, 0)));   // LeNet-5
        Assert.Equal(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(64, 7, 7, 64, 3, 1, 1)));
        Assert.NotEqual(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(6, 14, 14, 12, 5, 1, 0)));  // not 16k filters
        Assert.NotEqual(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(16, 15, 15, 16, 3, 1, 1))); // pitch 17 for 15
        Assert.NotEqual(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(3, 15, 15, 16, 5, 1, 2)));  // 75 taps
        Assert.NotEqual(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(16, 14, 14, 16, 3, 2, 1))); // stride 2
        try
        {
            KernelDispatch.Level = SimdLevel.Avx2;
            Assert.NotEqual(ConvAlgorithm.DirectFiltersInLanes, ConvAlgorithm.Forward(new ConvGeometry(6, 14, 14, 16, 5, 1, 0)));
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Forward_allocates_nothing_after_warm_up()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        var g = new ConvGeometry(6, 14, 14, 16, 5, 1, 0);
        const int batch = 40;
        float[] x = Reference.Random(batch * g.InputSize, 41), weights = Reference.Random(g.WeightSize, 42), bias = Reference.Random(16, 43);
        var y = new float[batch * g.OutputSize];
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.Forward(g, batch, x, weights, bias, y, workspace);
        Assert.Equal(0, AllocationProbe.Least(() => Conv2D.Forward(g, batch, x, weights, bias, y, workspace)));
        HelperAllocations.AssertNoneAfterWarmUp(10, expectHelpers: true, () => Conv2D.Forward(g, batch, x, weights, bias, y, workspace));
    }
}
