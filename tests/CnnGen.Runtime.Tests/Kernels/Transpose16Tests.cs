using System;
using System.Runtime.Intrinsics.X86;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The in-register 16 x 16 transpose against a plain one, with strides other than sixteen.</summary>
public sealed class Transpose16Tests
{
    [Theory]
    [InlineData(16, 16)]
    [InlineData(20, 33)]
    [InlineData(17, 16)]
    [InlineData(16, 24)]
    public unsafe void Row_r_of_the_result_is_column_r_of_the_source(int srcStride, int dstStride)
    {
        if (!Avx512F.IsSupported) return;
        var random = new Random(dstStride * 31 + srcStride);
        var source = new float[16 * srcStride];
        for (int i = 0; i < source.Length; i++) source[i] = (float)(random.NextDouble() * 2 - 1);
        var result = new float[16 * dstStride + 1];
        result.AsSpan().Fill(float.NaN);
        fixed (float* s = source)
        fixed (float* d = result)
        {
            Lanes512.Transpose16(s, srcStride, d, dstStride);
        }

        for (int r = 0; r < 16; r++)
        {
            for (int c = 0; c < 16; c++)
            {
                Assert.Equal(source[c * srcStride + r], result[r * dstStride + c]);
            }

            for (int c = 16; c < dstStride; c++) Assert.True(float.IsNaN(result[r * dstStride + c]), "wrote past a row");
        }

        Assert.True(float.IsNaN(result[16 * dstStride]), "wrote past the block");
    }
}
