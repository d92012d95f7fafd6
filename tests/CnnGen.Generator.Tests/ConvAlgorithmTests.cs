using CnnGen.Kernels;

namespace CnnGen.Generator.Tests;

/// <summary>The algorithms named in each generated convolution comment (forward, filter and input gradients) are the ones
/// the runtime runs on AVX-512.</summary>
public class ConvAlgorithmTests
{
    [Fact]
    public void Generator_names_the_runtime_choice_for_every_shape()
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return; // the comment describes the AVX-512 choice
        int checkedShapes = 0;
        foreach (int channels in new[] { 1, 3, 6, 12, 16, 64 })
        foreach (int filters in new[] { 1, 6, 8, 16, 30, 32, 64, 70, 400 })
        foreach (int size in new[] { 1, 3, 5, 7 })
        foreach (int stride in new[] { 1, 2 })
        foreach (int pad in new[] { 0, 1, 2 })
        foreach (int extent in new[] { 7, 10, 12, 14, 16, 17, 28, 32 })
        {
            long oh = ShapeMath.OutputSize(extent, size, stride, pad);
            if (oh < 1) continue;
            var g = new ConvGeometry(channels, extent, extent, filters, size, stride, pad);
            string runtime = ConvAlgorithm.Forward(g);
            string generator = ConvAlgorithmChoice.ForwardOnAvx512(channels, extent, extent, filters, size, stride, pad, g.OutHeight, g.OutWidth);
            Assert.True(runtime == generator, $"{g}: runtime runs '{runtime}', the generated comment would say '{generator}'");
            runtime = ConvAlgorithm.FilterGradient(g);
            generator = ConvAlgorithmChoice.FilterGradientOnAvx512(channels, extent, extent, filters, size, stride, pad, g.OutHeight, g.OutWidth);
            Assert.True(runtime == generator, $"{g}: runtime's filter gradient is '{runtime}', the generated comment would say '{generator}'");
            runtime = ConvAlgorithm.InputGradient(g);
            generator = ConvAlgorithmChoice.InputGradientOnAvx512(channels, extent, extent, filters, size, stride, pad);
            Assert.True(runtime == generator, $"{g}: runtime's input gradient is '{runtime}', the generated comment would say '{generator}'");
            runtime = ConvAlgorithm.FilterGradientThroughMaxPool(g);
            generator = ConvAlgorithmChoice.FilterGradientThroughMaxPoolOnAvx512(channels, extent, extent, filters, size, stride, pad, g.OutHeight, g.OutWidth);
            Assert.True(runtime == generator, $"{g}: runtime's filter gradient through a max pool is '{runtime}', the generated comment would say '{generator}'");
            checkedShapes++;
        }

        Assert.True(checkedShapes > 1000);
    }

    [Theory]
    // channels, height, width, filters, kernel, stride, pad: rectangular planes near the filter gradient's limits
    [InlineData(8, 16, 30, 12, 3, 1, 1)]     // 512 positions over the pitch: groups of two images
    [InlineData(8, 16, 29, 12, 3, 1, 1)]     // 496: just short of them
    [InlineData(3, 224, 224, 64, 3, 1, 1)]   // over the scratch bound
    [InlineData(3, 100, 60, 32, 3, 1, 1)]    // under it
    [InlineData(3, 32, 32, 20, 5, 1, 2)]     // 75 taps and 20 filters: multiples of five the product would take
    [InlineData(1, 30, 40, 10, 5, 1, 0)]     // 25 taps and 10 filters: the 5 x 5 blocks keep it
    [InlineData(40, 25, 30, 40, 3, 1, 1)]    // 40 x 360 pairs: under the bound of 16,384
    [InlineData(48, 25, 30, 48, 3, 1, 1)]    // 48 x 432: over it
    [InlineData(6, 14, 14, 16, 5, 1, 0)]     // LeNet-5's second layer: the filters in lanes
    [InlineData(8, 14, 14, 16, 3, 1, 0)]     // 168 positions: over the row pitch from 16 images a thread
    [InlineData(3, 14, 14, 16, 5, 1, 0)]     // 3 channels: not the filters in lanes
    [InlineData(6, 14, 14, 20, 5, 1, 0)]     // 20 filters: not the filters in lanes
    [InlineData(3, 15, 15, 8, 3, 1, 1)]      // 255 positions; below 16 images the direct dot products
    [InlineData(8, 5, 5, 8, 3, 1, 1)]        // 35 positions: never
    [InlineData(1, 28, 28, 6, 5, 1, 2)]      // LeNet-5's first layer: blocks of 6 filters x 4 taps
    public void Generator_names_the_runtime_filter_gradient_on_rectangular_planes(int channels, int height, int width, int filters,
        int size, int stride, int pad)
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        var g = new ConvGeometry(channels, height, width, filters, size, stride, pad);
        string runtime = ConvAlgorithm.FilterGradient(g);
        string generator = ConvAlgorithmChoice.FilterGradientOnAvx512(channels, height, width, filters, size, stride, pad, g.OutHeight, g.OutWidth);
        Assert.Equal(runtime, generator);
    }

    [Theory]
    // channels, height, width, filters, kernel, stride, pad: planes near the limits of the filters-in-lanes forward kernel
    [InlineData(6, 14, 14, 16, 5, 1, 0)]     // LeNet-5's second layer: rows of 10, pitch 14
    [InlineData(32, 12, 12, 32, 3, 1, 1)]    // rows of 12, pitch 14: just over 15% longer
    [InlineData(16, 15, 15, 16, 3, 1, 1)]    // rows of 15, pitch 17: under it, the pitch kernel keeps it
    [InlineData(3, 15, 15, 16, 5, 1, 2)]     // 75 taps: the pitch kernel keeps it
    [InlineData(64, 7, 7, 64, 3, 1, 1)]      // no other direct kernel
    [InlineData(16, 20, 6, 16, 3, 1, 0)]     // rows of 4
    [InlineData(16, 20, 5, 16, 3, 1, 0)]     // rows of 3: too narrow
    [InlineData(16, 6, 20, 16, 3, 1, 0)]     // rows of 18: wide
    [InlineData(48, 9, 9, 80, 3, 1, 1)]      // more than 64 filters
    [InlineData(32, 9, 9, 16, 3, 1, 1)]      // the input gradient's transposed layer has 32 filters on rows of 9
    [InlineData(5, 11, 13, 16, 5, 1, 1)]     // input gradient with the filters in lanes: 5 channels round up to 6
    [InlineData(7, 14, 14, 16, 5, 1, 0)]     // 7 round up to 12: the flipped convolution keeps it
    [InlineData(9, 12, 12, 32, 5, 1, 0)]     // 9 round up to 12
    [InlineData(16, 12, 12, 32, 3, 1, 0)]    // the flipped convolution computes 1.68 times the useful work: it keeps it
    [InlineData(6, 20, 20, 16, 5, 1, 0)]     // 1.88 times
    [InlineData(6, 8, 9, 16, 3, 1, 3)]       // padded beyond the window: no flipped convolution
    public void Generator_names_the_runtime_forward_and_input_gradient_on_small_planes(int channels, int height, int width, int filters,
        int size, int stride, int pad)
    {
        if (KernelDispatch.Supported < SimdLevel.Avx512) return;
        var g = new ConvGeometry(channels, height, width, filters, size, stride, pad);
        Assert.Equal(ConvAlgorithm.Forward(g),
            ConvAlgorithmChoice.ForwardOnAvx512(channels, height, width, filters, size, stride, pad, g.OutHeight, g.OutWidth));
        Assert.Equal(ConvAlgorithm.InputGradient(g), ConvAlgorithmChoice.InputGradientOnAvx512(channels, height, width, filters, size, stride, pad));
    }
}
