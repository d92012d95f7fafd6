using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The input gradient with the output gradient's filters in the vector lanes against the scalar reference: widths
/// that leave a partial block of positions, channels that leave a partial block of six, one to four vectors of filters,
/// padding, an even window, a window the flipped convolution cannot take, batch 1 and odd batches, one and two threads.</summary>
[Collection("KernelDispatch")]
public sealed class InputGradientFiltersInLanesTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, kernel, pad, batch
        yield return new object[] { 6, 14, 14, 16, 5, 0, 3 };    // LeNet-5's second layer: rows of 14 (a last block of 2)
        yield return new object[] { 6, 14, 14, 16, 5, 0, 1 };
        yield return new object[] { 5, 11, 13, 16, 5, 1, 2 };    // 5 channels (rounded up to 6), rows of 13, padded
        yield return new object[] { 9, 12, 12, 32, 5, 0, 3 };    // 9 channels: a block of 6 and a partial one of 3; two vectors of filters
        yield return new object[] { 12, 14, 14, 32, 5, 0, 1 };
        yield return new object[] { 6, 9, 11, 48, 4, 0, 2 };     // an even window, three vectors of filters
        yield return new object[] { 6, 7, 7, 64, 5, 2, 2 };      // four vectors of filters, padded 7 x 7
        yield return new object[] { 6, 20, 19, 16, 5, 0, 37 };   // a batch that splits into uneven ranges
        yield return new object[] { 6, 8, 9, 16, 3, 3, 2 };      // padded by more than the window reaches: no flipped convolution
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_at_both_degrees(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Reset();
                KernelDispatch.MaxDegreeOfParallelism = degree;
                if (KernelDispatch.Supported >= SimdLevel.Avx512)
                {
                    Assert.True(InputGradientFiltersInLanes.Applies(g), $"{g} should take the filters-in-lanes input gradient");
                    Assert.Equal(ConvAlgorithm.InputGradientFiltersInLanes, ConvAlgorithm.InputGradient(g));
                }

                ConvKernelChecks.InputGradientMatchesReference(g, batch, 41 + degree, Tolerance);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Takes_small_planes_under_large_windows_and_leaves_the_others()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.True(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 1, 0)), "LeNet-5: 2.52 times the useful work flipped");
        Assert.True(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 20, 20, 16, 5, 1, 0)), "1.88 times");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(16, 12, 12, 32, 3, 1, 0)), "1.68 times");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)), "SmallVgg: 1.06 times");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 12, 5, 1, 0)), "not a multiple of 16 filters");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 80, 5, 1, 0)), "more than 64 filters");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(7, 14, 14, 16, 5, 1, 0)), "7 channels round up to 12");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 2, 0)), "stride 2");
        Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 1, 1, 0)), "pointwise");
        try
        {
            KernelDispatch.Level = SimdLevel.Avx2;
            Assert.False(InputGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 1, 0)), "AVX2");
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Gives_the_same_bits_whatever_the_split()
    {
        // Each input position sums its terms in one order: a batch run on one thread, on two, and image by image agree exactly.
        var g = new ConvGeometry(6, 14, 14, 16, 5, 1, 0);
        const int batch = 23;
        float[] w = Reference.Random(g.WeightSize, 1), dy = Reference.Random(batch * g.OutputSize, 2);
        float[] one = new float[batch * g.InputSize], two = new float[batch * g.InputSize], single = new float[batch * g.InputSize];
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 1;
            Conv2D.BackwardData(g, batch, dy, w, one, workspace);
            for (int n = 0; n < batch; n++)
            {
                Conv2D.BackwardData(g, 1, dy.AsSpan(n * g.OutputSize, g.OutputSize), w, single.AsSpan(n * g.InputSize, g.InputSize), workspace);
            }

            KernelDispatch.MaxDegreeOfParallelism = 2;
            Conv2D.BackwardData(g, batch, dy, w, two, workspace);
            Assert.Equal(one, two);
            Assert.Equal(one, single);
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Allocates_nothing_after_warm_up() => ConvKernelChecks.InputGradientAllocatesNothing(new ConvGeometry(6, 14, 14, 16, 5, 1, 0), 9);
}
