using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The filter gradient with the filters in the vector lanes against the scalar reference: one and two vectors of
/// filters, each with a partial vector, passes of rows of taps that leave a last partial pass, odd planes, batch 1 and odd
/// batches, one and two threads, with and without bias.</summary>
[Collection("KernelDispatch")]
public sealed class FilterGradientFiltersInLanesTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, kernel, batch
        yield return new object[] { 6, 14, 14, 16, 5, 3 };     // LeNet-5's second layer: 30 rows of taps, passes of 4 (the last of 2)
        yield return new object[] { 6, 14, 14, 16, 5, 1 };
        yield return new object[] { 4, 9, 13, 13, 5, 2 };      // 13 filters in one vector, 20 rows: five whole passes, a 5 x 9 plane
        yield return new object[] { 5, 11, 10, 30, 5, 5 };     // 30 filters in two vectors, 25 rows: passes of 2 (the last of 1)
        yield return new object[] { 12, 20, 20, 28, 5, 2 };
        yield return new object[] { 7, 12, 21, 32, 5, 37 };    // a batch split into uneven ranges
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_at_both_degrees(int c, int h, int w, int f, int k, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, 0);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), dy = Reference.Random(batch * g.OutputSize, 4);
        var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dy);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Reset();
                KernelDispatch.MaxDegreeOfParallelism = degree;
                if (KernelDispatch.Supported >= SimdLevel.Avx512)
                {
                    Assert.True(FilterGradientFiltersInLanes.Applies(g), $"{g} should take the filters-in-lanes filter gradient");
                    Assert.Equal(ConvAlgorithm.FilterGradientFiltersInLanes, ConvAlgorithm.FilterGradient(g));
                }

                var workspace = new float[Conv2D.WorkspaceSize(g)];
                float[] gw = Reference.Guarded(g.WeightSize), gb = Reference.Random(f, 10);
                Conv2D.BackwardFilter(g, batch, x, dy, gw.AsSpan(0, g.WeightSize), gb, workspace);
                Reference.Close(gw.AsSpan(0, g.WeightSize), dw, Tolerance, $"dW {g} batch {batch} degree {degree}");
                Reference.Close(gb, db, Tolerance, $"db {g} batch {batch} degree {degree}");
                Reference.AssertGuardIntact(gw, g.WeightSize);
                float[] unbiased = Reference.Random(g.WeightSize, 11);
                Conv2D.BackwardFilter(g, batch, x, dy, unbiased, Span<float>.Empty, workspace);
                Reference.Close(unbiased, dw, Tolerance, $"dW without bias {g} degree {degree}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Takes_unpadded_five_by_five_layers_of_many_channels()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.True(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 1, 0)), "LeNet-5's second layer");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(1, 28, 28, 30, 5, 1, 0)), "one channel: SimpleConvNet's first layer");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 1, 1)), "padded");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 3, 1, 0)), "3 x 3");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 20, 5, 1, 0)), "20 filters round up to 32");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 8, 5, 1, 0)), "8 filters round up to 16");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 48, 5, 1, 0)), "more than 32 filters");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 14, 14, 16, 5, 2, 0)), "stride 2");
        Assert.False(FilterGradientFiltersInLanes.Applies(new ConvGeometry(6, 7, 7, 16, 5, 1, 0)), "a 3 x 3 plane");
    }

    [Fact]
    public void Allocates_nothing_after_warm_up() => ConvKernelChecks.FilterGradientAllocatesNothing(new ConvGeometry(6, 14, 14, 16, 5, 1, 0), 9);
}
