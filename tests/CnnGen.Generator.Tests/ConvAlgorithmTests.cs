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
        foreach (int channels in new[] { 1, 3, 6, 16, 64 })
        foreach (int filters in new[] { 1, 6, 8, 16, 30, 70, 400 })
        foreach (int size in new[] { 1, 3, 5, 7 })
        foreach (int stride in new[] { 1, 2 })
        foreach (int pad in new[] { 0, 1, 2 })
        foreach (int extent in new[] { 7, 10, 14, 28, 32 })
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
            checkedShapes++;
        }

        Assert.True(checkedShapes > 1000);
    }
}
