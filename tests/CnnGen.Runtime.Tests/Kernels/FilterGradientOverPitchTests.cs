using System;
using System.Collections.Generic;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The filter gradient as dot products over the padded row pitch (<see cref="FilterGradientOverPitch"/>) against the
/// scalar reference: padded and unpadded shapes whose filters, taps, rows and planes do not divide the blocks (of 4 filters x
/// 6 taps and of 6 x 4), a plane short enough that a block runs over a group of two images (and batches that leave a partial
/// group), planes too short for any batch, taken from 16 images a thread, batch 1, both degrees.</summary>
[Collection("KernelDispatch")]
public sealed class FilterGradientOverPitchTests
{
    private const double Tolerance = 1e-4;
    private const int Guard = 16;

    public static IEnumerable<object[]> Shapes()
    {
        // channels, height, width, filters, kernel, pad, batch
        yield return new object[] { 8, 32, 32, 16, 3, 1, 3 };    // 1,088 positions, one image per group (SmallVgg's 16 channels take Winograd's form)
        yield return new object[] { 3, 32, 32, 16, 3, 1, 2 };    // SmallVgg's first layer: 27 taps (rounded up to 30)
        yield return new object[] { 8, 16, 30, 12, 3, 1, 5 };    // 512 positions: groups of 2, the last one partial
        yield return new object[] { 6, 30, 30, 20, 5, 0, 9 };    // 26x26 over a pitch of 30, 150 taps
        yield return new object[] { 1, 28, 28, 6, 5, 2, 1 };     // LeNet-5's first layer: one block of 6 filters, 25 taps (rounded up to 28), batch 1
        yield return new object[] { 1, 28, 28, 11, 5, 2, 2 };    // 11 filters in blocks of 6: the second block partial
        yield return new object[] { 3, 24, 24, 6, 3, 1, 3 };     // 6 filters of 27 taps: the last block of 4 taps partial
        yield return new object[] { 5, 25, 27, 7, 3, 1, 3 };     // 25x27 output: odd everything
        yield return new object[] { 2, 29, 20, 13, 3, 0, 2 };    // 27x18 over a pitch of 20
        yield return new object[] { 3, 25, 25, 9, 2, 1, 4 };     // an even window, 26x26 output over a pitch of 27
        yield return new object[] { 4, 31, 33, 17, 5, 2, 1 };    // 31x33 output, 100 taps, 17 filters
        yield return new object[] { 16, 23, 23, 32, 3, 1, 5 };  // 32 filters, 144 taps, 575 positions
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_at_both_degrees(int c, int h, int w, int f, int k, int pad, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), dy = Reference.Random(batch * g.OutputSize, 4);
        var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dy);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.Reset();
                KernelDispatch.MaxDegreeOfParallelism = degree;
                if (KernelDispatch.Supported < SimdLevel.Avx512) return;   // the kernel is AVX-512 only
                Assert.True(FilterGradientOverPitch.TakesEveryBatch(g), $"{g} should take the dot products over the row pitch");
                Assert.Equal(ConvAlgorithm.DotProductsOverRowPitch, ConvAlgorithm.FilterGradient(g));
                var workspace = new float[Conv2D.WorkspaceSize(g)];
                // One vector of guard values past each gradient: a write beyond its end would change them.
                float[] gw = Reference.Random(g.WeightSize + Guard, 9), gb = Reference.Random(f + Guard, 10);
                float[] gwGuard = gw[g.WeightSize..], gbGuard = gb[f..];
                Conv2D.BackwardFilter(g, batch, x, dy, gw.AsSpan(0, g.WeightSize), gb.AsSpan(0, f), workspace);
                Reference.Close(gw.AsSpan(0, g.WeightSize), dw, Tolerance, $"dW {g} batch {batch} degree {degree}");
                Reference.Close(gb.AsSpan(0, f), db, Tolerance, $"db {g} batch {batch} degree {degree}");
                Assert.Equal(gwGuard, gw[g.WeightSize..]);
                Assert.Equal(gbGuard, gb[f..]);
                gw = Reference.Random(g.WeightSize, 11);
                Conv2D.BackwardFilter(g, batch, x, dy, gw, Span<float>.Empty, workspace);
                Reference.Close(gw, dw, Tolerance, $"dW without bias {g} degree {degree}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Planes under 512 positions over the pitch (12x12 over a pitch of 14; 8x8 over 10) take the kernel when a
    /// thread's share of the batch holds at least 16 images, and the transposed product below that: batch 64 runs whole on
    /// one thread and as four ranges of 16 on two; batch 15 stays below on both.</summary>
    [Theory]
    [InlineData(8, 14, 14, 16, 3, 0)]
    [InlineData(32, 8, 8, 24, 3, 1)]
    public void Short_planes_take_the_kernel_from_sixteen_images_a_thread(int c, int h, int w, int f, int k, int pad)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, pad);
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.True(FilterGradientOverPitch.AppliesToShape(g));
        Assert.False(FilterGradientOverPitch.TakesEveryBatch(g));
        Assert.False(FilterGradientOverPitch.Applies(g, FilterGradientOverPitch.MinImagesForShortPlanes - 1));
        Assert.True(FilterGradientOverPitch.Applies(g, FilterGradientOverPitch.MinImagesForShortPlanes));
        Assert.Equal($"{ConvAlgorithm.DotProductsOverRowPitch} from 16 images a thread, else {ConvAlgorithm.TransposedProduct}", ConvAlgorithm.FilterGradient(g));
        try
        {
            foreach (int batch in new[] { 64, 15 })
            {
                float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), dy = Reference.Random(batch * g.OutputSize, 4);
                var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dy);
                foreach (int degree in new[] { 1, 2 })
                {
                    KernelDispatch.MaxDegreeOfParallelism = degree;
                    Assert.Equal(4, ParallelBlocks.BlocksFor(batch, 2, 2));   // at degree 2, ranges of 16 images (or 3-4)
                    float[] gw = Reference.Random(g.WeightSize, 9), gb = Reference.Random(f, 10);
                    Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, new float[Conv2D.WorkspaceSize(g)]);
                    Reference.Close(gw, dw, Tolerance, $"dW {g} batch {batch} degree {degree}");
                    Reference.Close(gb, db, Tolerance, $"db {g} batch {batch} degree {degree}");
                }
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Blocks_are_six_filters_by_four_taps_where_that_rounds_up_fewer_pairs()
    {
        Assert.Equal((6, 4), FilterGradientOverPitch.BlockOf(new ConvGeometry(1, 28, 28, 6, 5, 1, 2)));    // 6 x 28 pairs, not 8 x 30
        Assert.Equal((6, 4), FilterGradientOverPitch.BlockOf(new ConvGeometry(1, 28, 28, 11, 5, 1, 2)));   // 12 x 28, not 12 x 30
        Assert.Equal((6, 4), FilterGradientOverPitch.BlockOf(new ConvGeometry(3, 24, 24, 6, 3, 1, 1)));    // 6 x 28, not 8 x 30
        Assert.Equal((4, 6), FilterGradientOverPitch.BlockOf(new ConvGeometry(6, 30, 30, 16, 5, 1, 0)));   // 16 x 150, not 18 x 152
        Assert.Equal((4, 6), FilterGradientOverPitch.BlockOf(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));  // 16 x 144, not 18 x 144
    }

    [Fact]
    public void A_batch_run_in_groups_equals_the_sum_of_its_images_run_alone()
    {
        // 512 positions a plane: two images a group, so a batch of seven runs as groups of 2, 2, 2 and 1, against seven
        // calls of one image each (to rounding); and the same call twice gives the same bits.
        var g = new ConvGeometry(8, 16, 30, 12, 3, 1, 1);
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.True(FilterGradientOverPitch.TakesEveryBatch(g));
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 1;
            const int batch = 7;
            float[] x = Reference.Random(batch * g.InputSize, 1), dy = Reference.Random(batch * g.OutputSize, 2);
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            float[] once = new float[g.WeightSize], again = new float[g.WeightSize], bias = new float[12];
            Conv2D.BackwardFilter(g, batch, x, dy, once, bias, workspace);
            Conv2D.BackwardFilter(g, batch, x, dy, again, bias, workspace);
            Assert.Equal(once, again);

            var summed = new double[g.WeightSize];
            var single = new float[g.WeightSize];
            for (int n = 0; n < batch; n++)
            {
                Conv2D.BackwardFilter(g, 1, x.AsSpan(n * g.InputSize, g.InputSize), dy.AsSpan(n * g.OutputSize, g.OutputSize), single, bias, workspace);
                for (int i = 0; i < summed.Length; i++) summed[i] += single[i];
            }

            Reference.Close(once, summed, Tolerance, "one call against one call per image");
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Takes_the_shapes_it_is_meant_for_and_leaves_the_others()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        Assert.True(FilterGradientOverPitch.TakesEveryBatch(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)));
        Assert.True(FilterGradientOverPitch.Applies(new ConvGeometry(16, 32, 32, 16, 3, 1, 1), 1));
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(16, 32, 32, 16, 3, 2, 1)), "stride 2");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(16, 32, 32, 16, 1, 1, 0)), "pointwise");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(1, 28, 28, 30, 5, 1, 0)), "the 5 x 5 dot-product blocks fit exactly");
        Assert.True(FilterGradientOverPitch.TakesEveryBatch(new ConvGeometry(3, 32, 32, 20, 5, 1, 2)), "75 taps: the transposed product, not the 5 x 5 blocks, would take it");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(3, 6, 6, 8, 5, 1, 0)), "a 2-wide output over a pitch of 6");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(8, 5, 5, 8, 3, 1, 1)), "35 positions a plane");
        Assert.False(FilterGradientOverPitch.TakesEveryBatch(new ConvGeometry(32, 16, 16, 32, 3, 1, 1)), "288 positions a plane");
        Assert.False(FilterGradientOverPitch.Applies(new ConvGeometry(32, 16, 16, 32, 3, 1, 1), 15), "288 positions a plane, 15 images");
        Assert.True(FilterGradientOverPitch.Applies(new ConvGeometry(32, 16, 16, 32, 3, 1, 1), 16), "288 positions a plane, 16 images");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(256, 14, 14, 256, 3, 1, 1)), "too many pairs for the partial sums");
        Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(3, 224, 224, 64, 3, 1, 1)), "too much scratch");
        try
        {
            KernelDispatch.Level = SimdLevel.Avx2;
            Assert.False(FilterGradientOverPitch.AppliesToShape(new ConvGeometry(16, 32, 32, 16, 3, 1, 1)), "AVX2");
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Allocates_nothing_after_warm_up()
    {
        var g = new ConvGeometry(16, 24, 24, 16, 3, 1, 1);
        if (KernelDispatch.Supported >= SimdLevel.Avx512) Assert.True(FilterGradientOverPitch.TakesEveryBatch(g));
        ConvKernelChecks.FilterGradientAllocatesNothing(g, 5);
    }
}
