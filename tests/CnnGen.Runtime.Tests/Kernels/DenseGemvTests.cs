using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The small-batch matrix-vector path of <see cref="Dense.Forward"/> (all outputs in registers when there are
/// 65 to 128 of them) against the reference product, at every SIMD level, with odd row counts.</summary>
[Collection("KernelDispatch")]
public sealed class DenseGemvTests
{
    [Theory]
    [InlineData(1, 4320, 100)]
    [InlineData(3, 4320, 100)]
    [InlineData(2, 301, 128)]
    [InlineData(1, 257, 65)]
    [InlineData(1, 300, 64)]
    [InlineData(2, 99, 10)]
    [InlineData(1, 1500, 100)]   // W larger than 512 KiB
    [InlineData(1, 1327, 128)]
    public void MatchesReference(int batch, int inputs, int outputs)
    {
        float[] x = Reference.Random(batch * inputs, 1), w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        var (product, _) = Reference.Gemm(false, false, batch, outputs, inputs, x, w);
        var withBias = (double[])product.Clone();
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < outputs; j++) withBias[n * outputs + j] += b[j];
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var y = new float[batch * outputs];
                Dense.Forward(batch, inputs, outputs, x, w, b, y);
                Reference.Close(y, withBias, 1e-4, $"{batch}x{inputs}x{outputs} {level}");
                Dense.Forward(batch, inputs, outputs, x, w, ReadOnlySpan<float>.Empty, y);
                Reference.Close(y, product, 1e-4, $"{batch}x{inputs}x{outputs} no bias {level}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Repeated_calls_with_a_large_weight_matrix_give_identical_results()
    {
        // A forward pass is a pure function of its input: no state carried from one call to the next may change the sums.
        float[] x = Reference.Random(4320, 1), w = Reference.Random(4320 * 100, 2), b = Reference.Random(100, 3);
        float[] first = new float[100], next = new float[100];
        Dense.Forward(1, 4320, 100, x, w, b, first);
        for (int call = 0; call < 3; call++)
        {
            Dense.Forward(1, 4320, 100, x, w, b, next);
            Assert.Equal(first, next);
        }
    }

    [Fact]
    public unsafe void Each_weight_matrix_is_read_from_the_half_read_last_the_previous_time()
    {
        // Two layers' matrices used in turn (a network with two large affine layers): each keeps its own alternation.
        float* first = (float*)0x10000, second = (float*)0x20000;
        bool f0 = Dense.HalfOrder.UpperFirst(first), s0 = Dense.HalfOrder.UpperFirst(second);
        for (int call = 1; call <= 4; call++)
        {
            bool expected = call % 2 == 0;
            Assert.Equal(expected ? f0 : !f0, Dense.HalfOrder.UpperFirst(first));
            Assert.Equal(expected ? s0 : !s0, Dense.HalfOrder.UpperFirst(second));
        }
    }
}
