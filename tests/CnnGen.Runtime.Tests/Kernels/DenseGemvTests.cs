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

    [Theory]
    [InlineData(300, 100)]
    [InlineData(301, 65)]
    [InlineData(299, 80)]
    [InlineData(400, 113)]
    [InlineData(333, 127)]
    [InlineData(280, 128)]
    public void Matches_the_reference_at_every_alignment_of_W(int inputs, int outputs)
    {
        // The one-row kernel loads W at 64-byte boundaries and shifts each row into place: W starting at each of the 16
        // float offsets within a cache line (and x, y at odd offsets) must give the same sums as the plain product.
        float[] x = Reference.Random(inputs + 3, 1), storage = Reference.Random(inputs * outputs + 16, 2), b = Reference.Random(outputs, 3);
        for (int offset = 0; offset < 16; offset++)
        {
            float[] w = storage.AsSpan(offset, inputs * outputs).ToArray();
            var (product, _) = Reference.Gemm(false, false, 1, outputs, inputs, x.AsSpan(3).ToArray(), w);
            for (int j = 0; j < outputs; j++) product[j] += b[j];
            float[] y = new float[outputs + 1];
            for (int call = 0; call < 2; call++)  // both orders of the halves
            {
                Dense.Forward(1, inputs, outputs, x.AsSpan(3), storage.AsSpan(offset, inputs * outputs), b, y.AsSpan(1));
                Reference.Close(y.AsSpan(1), product, 1e-4, $"{inputs}x{outputs}, W at float offset {offset}, call {call}");
            }
        }
    }
}
