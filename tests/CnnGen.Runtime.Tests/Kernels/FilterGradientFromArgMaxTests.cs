using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Which convolutions take the filter gradient from a max pool's winners (its results against the reference are
/// checked by <see cref="ConvFastPathTests"/>' pooled shapes), and that a window without a winner (its maximum not
/// positive), or whose gradient is zero, adds nothing.</summary>
[Collection("KernelDispatch")]
public sealed unsafe class FilterGradientFromArgMaxTests
{
    [Fact]
    public void Takes_one_channel_unpadded_layers_with_windows_up_to_eight()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx2) return;
        Assert.True(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 28, 28, 30, 5, 1, 0)), "SimpleConvNet's first layer");
        Assert.True(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 20, 17, 5, 8, 1, 0)), "8 x 8");
        Assert.False(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 28, 28, 30, 9, 1, 0)), "9 x 9");
        Assert.False(FilterGradientFromArgMax.Applies(new ConvGeometry(3, 28, 28, 30, 5, 1, 0)), "three channels");
        Assert.False(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 28, 28, 30, 5, 1, 2)), "padded");
        Assert.False(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 28, 28, 30, 5, 2, 0)), "stride 2");
        Assert.False(FilterGradientFromArgMax.Applies(new ConvGeometry(1, 28, 28, 30, 1, 1, 0)), "pointwise");
    }

    [Theory]
    [InlineData(1, 28, 28, 30, 5, 2, 2, 7)]    // SimpleConvNet's first layer
    [InlineData(1, 13, 15, 7, 3, 3, 2, 3)]     // overlapping 3x3 windows with stride 2
    [InlineData(1, 20, 17, 5, 8, 2, 2, 2)]     // an 8 x 8 window, odd plane
    public void With_few_windows_passing_it_matches_the_reference_at_both_degrees(int c, int h, int w, int f, int k, int size, int stride, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, 1, 0);
        var pool = new ConvGeometry(f, g.OutHeight, g.OutWidth, f, size, stride, 0);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2), bias = Reference.Random(f, 3);
        float[] dPool = Reference.Random(batch * pool.OutputSize, 4), pooled = new float[batch * pool.OutputSize];
        float[] workspace = new float[Conv2D.WorkspaceSize(g)], dConv = new float[batch * g.OutputSize];
        byte[] arg = new byte[pooled.Length];
        Conv2D.ForwardReluMaxPool(g, pool, batch, x, wt, bias, pooled, arg, workspace);
        // As after training (SimpleConvNet with the book's weights: 18% of its pooled outputs positive), four windows in five
        // pass no gradient.
        var random = new System.Random(5);
        for (int i = 0; i < pooled.Length; i++) if (random.Next(5) != 0) arg[i] = Pooling.NoWinner;
        Pooling.MaxBackward(pool, batch, dPool, arg, dConv);
        var (dw, db, _) = Reference.ConvBackward(g, batch, x, wt, dConv);
        fixed (byte* codes = arg)
        {
            if (KernelDispatch.Supported >= SimdLevel.Avx2) Assert.True(FilterGradientFromArgMax.Pays(codes, arg.Length));
        }

        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                float[] gw = new float[g.WeightSize], gb = new float[f];
                Conv2D.BackwardFilterThroughMaxPool(g, pool, batch, x, dPool, arg, gw, gb, workspace);
                Reference.Close(gw, dw, 1e-4, $"dW {g} degree {degree}");
                Reference.Close(gb, db, 1e-4, $"db {g} degree {degree}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Pays_where_at_most_half_of_the_windows_pass()
    {
        // 69 windows: two vectors of 32 and a scalar tail of five.
        byte[] winners = new byte[69];
        winners.AsSpan().Fill(Pooling.NoWinner);
        for (int i = 0; i < 34; i++) winners[2 * i + 1] = (byte)(i % 4);   // 34 of 69 pass (odd windows 1-67)
        fixed (byte* p = winners)
        {
            Assert.True(FilterGradientFromArgMax.Pays(p, 69));
            Assert.True(FilterGradientFromArgMax.Pays(p, 68));      // 34 of 68: half
            winners[68] = 0;                                        // 35 of 69, the last in the tail
            Assert.False(FilterGradientFromArgMax.Pays(p, 69));
            winners[68] = Pooling.NoWinner;
            winners[0] = 3;                                         // 35 of 69, the first in a vector
            Assert.False(FilterGradientFromArgMax.Pays(p, 69));
        }
    }

    [Fact]
    public void Only_windows_with_a_winner_and_a_gradient_add_to_the_sums()
    {
        // One image, one filter, 3x3 taps on 6 x 6 (4 x 4 output), 2 x 2 pool (2 x 2 windows): window 0 passes, window 1 has
        // no winner (its maximum was not positive), window 2's gradient is zero, window 3 passes.
        if (KernelDispatch.Supported < SimdLevel.Avx2) return;
        var g = new ConvGeometry(1, 6, 6, 1, 3, 1, 0);
        var pool = new ConvGeometry(1, 4, 4, 1, 2, 2, 0);
        float[] x = new float[36];
        for (int i = 0; i < 36; i++) x[i] = i + 1;
        float[] poolGradient = { 2f, 5f, 0f, -1f };
        // Winners at output positions (1, 1), none, (2, 0) and (3, 3): places 3, -, 0 and 3 in their windows.
        byte[] winners = { 3, Pooling.NoWinner, 0, 3 };
        float[] dw = new float[9], db = new float[1], ws = new float[Conv2D.WorkspaceSize(g)];
        Conv2D.BackwardFilterThroughMaxPool(g, pool, 1, x, poolGradient, winners, dw, db, ws);
        for (int ky = 0; ky < 3; ky++)
        {
            for (int kx = 0; kx < 3; kx++)
            {
                float expected = 2f * x[(1 + ky) * 6 + 1 + kx] - 1f * x[(3 + ky) * 6 + 3 + kx];
                Assert.Equal(expected, dw[ky * 3 + kx], 4);
            }
        }

        Assert.Equal(1f, db[0]);
    }
}
